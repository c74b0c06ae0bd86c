package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.axis;
import static dev.shoal.operators.validation.Fixtures.beyondTolerance;
import static dev.shoal.operators.validation.Fixtures.honest;
import static dev.shoal.operators.validation.Fixtures.op;
import static dev.shoal.operators.validation.Fixtures.random;
import static dev.shoal.operators.validation.Fixtures.withElement;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Comparison;
import dev.shoal.operators.DType;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AgreementAndFullRecomputeTest {

  private static final OperatorId MATMUL = OperatorId.parse("tensor.matmul@1");

  private static Comparison agree(String id, Attributes attrs, List<Tensor> inputs, Tensor a, Tensor b) {
    return Validators.agree(OperatorId.parse(id), inputs, attrs, List.of(a), List.of(b));
  }

  // ---- agreement, for quorum ----

  @ParameterizedTest
  @EnumSource(DType.class)
  void equalResultsAgreeAndForgedOnesDoNot(DType dtype) {
    SplittableRandom rnd = new SplittableRandom(1);
    // A short inner dimension keeps the accumulation allowance far below the tolerance.
    Tensor a = random(dtype, Shape.of(12, 4), rnd);
    Tensor b = random(dtype, Shape.of(4, 9), rnd);
    Tensor c = honest("tensor.matmul@1", a, b);
    assertThat(agree("tensor.matmul@1", Attributes.empty(), List.of(a, b), c, c).matches()).isTrue();
    Comparison off = agree("tensor.matmul@1", Attributes.empty(), List.of(a, b), c, beyondTolerance(c));
    assertThat(off.matches()).isFalse();
    assertThat(off.mismatches()).isEqualTo(12 * 9);
    assertThat(off.firstMismatchIndex()).isZero();
    assertThat(off.reason()).contains("108 of 108 elements");
  }

  /** Honest results summed in different orders differ by more than the tolerance alone, but agree. */
  @Test
  void honestResultsFromDifferentSummationOrdersAgree() {
    int k = 4096;
    float[] a = new float[k];
    a[0] = 1;
    Arrays.fill(a, 1, k, 0x1p-24f);
    float[] ones = new float[k];
    Arrays.fill(ones, 1);
    List<Tensor> inputs = List.of(Tensor.float32(Shape.of(1, k), a), Tensor.float32(Shape.of(k, 1), ones));
    Tensor forwards = honest("tensor.matmul@1", inputs.get(0), inputs.get(1));
    float backwards = 0;
    for (int p = k - 1; p >= 0; p--) {
      backwards += a[p];
    }
    assertThat(forwards.getFloat(0)).isEqualTo(1f);
    assertThat(backwards).isGreaterThan(1.0002f);
    Tensor other = Tensor.float32(Shape.of(1, 1), new float[] {backwards});
    assertThat(dev.shoal.operators.TensorComparison.compare(forwards, other).matches()).isFalse();
    assertThat(agree("tensor.matmul@1", Attributes.empty(), inputs, forwards, other).matches()).isTrue();
    assertThat(agree("tensor.matmul@1", Attributes.empty(), inputs, other, forwards).matches()).isTrue();
    // Honest results lie within γ_k·Σ|a||b| ≈ 2.44e-4 of the exact 1.000244, on either side; three times that is not honest.
    Tensor wrong = Tensor.float32(Shape.of(1, 1), new float[] {1 + 3 * (backwards - 1) + 2e-4f});
    assertThat(agree("tensor.matmul@1", Attributes.empty(), inputs, forwards, wrong).matches()).isFalse();
  }

  @Test
  void int32MustAgreeExactly() {
    Tensor x = Tensor.int32(Shape.of(2, 2), new int[] {1, 2, 3, 4});
    Tensor s = honest("tensor.reduce_sum@1", axis(1), x);
    assertThat(agree("tensor.reduce_sum@1", axis(1), List.of(x), s, s).matches()).isTrue();
    Comparison c = agree("tensor.reduce_sum@1", axis(1), List.of(x), s, withElement(s, 1, 8));
    assertThat(c.matches()).isFalse();
    assertThat(c.firstMismatchIndex()).isEqualTo(1);
  }

  @Test
  void nonFiniteElementsAgreeOnlyAsHonestResultsCan() {
    Tensor x = Tensor.float32(Shape.of(3), new float[] {1, 2, 3});
    Tensor c = honest("tensor.exp@1", x);
    assertThat(agree("tensor.exp@1", Attributes.empty(), List.of(x), c, withElement(c, 0, Float.NaN)).matches()).isFalse();
    assertThat(agree("tensor.exp@1", Attributes.empty(), List.of(x), c, withElement(c, 0, Float.POSITIVE_INFINITY)).matches()).isFalse();
    Tensor nan = Tensor.float32(Shape.of(1), new float[] {Float.NaN});
    assertThat(agree("tensor.exp@1", Attributes.empty(), List.of(nan), honest("tensor.exp@1", nan), honest("tensor.exp@1", nan)).matches()).isTrue();
    // 3e38 + 3e38 - 3e38: +inf summed in this order, 3e38 in another; both honest.
    Tensor a = Tensor.float32(Shape.of(1, 3), new float[] {3e38f, 3e38f, -3e38f});
    Tensor b = Tensor.float32(Shape.of(3, 1), new float[] {1, 1, 1});
    Tensor inf = honest("tensor.matmul@1", a, b);
    assertThat(inf.getFloat(0)).isInfinite();
    assertThat(agree("tensor.matmul@1", Attributes.empty(), List.of(a, b), inf, Tensor.float32(Shape.of(1, 1), new float[] {3e38f})).matches()).isTrue();
  }

  /** Float16 65504 + 16 = 65520 rounds to infinity; a sum a hair lower would round to 65504. */
  @Test
  void atTheTopOfTheFloat16RangeTheLargestHalfAgreesWithInfinity() {
    Tensor x = Tensor.float16(Shape.of(2), new float[] {65504, 16});
    Tensor sum = honest("tensor.reduce_sum@1", axis(0), x);
    assertThat(sum.getFloat(0)).isInfinite();
    assertThat(agree("tensor.reduce_sum@1", axis(0), List.of(x), sum, Tensor.float16(Shape.of(), new float[] {65504})).matches()).isTrue();
    assertThat(agree("tensor.reduce_sum@1", axis(0), List.of(x), sum, Tensor.float16(Shape.of(), new float[] {60000})).matches()).isFalse();
  }

  @Test
  void resultsOfTheWrongStructureNeverAgree() {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {1, 2});
    Tensor c = honest("tensor.relu@1", x);
    Comparison wrongShape = agree("tensor.relu@1", Attributes.empty(), List.of(x), c, Tensor.float32(Shape.of(1, 2), new float[] {1, 2}));
    assertThat(wrongShape.matches()).isFalse();
    assertThat(wrongShape.reason()).startsWith("second result: output 0 is float32[1, 2]");
    Comparison count = Validators.agree(OperatorId.parse("tensor.relu@1"), List.of(x), Attributes.empty(), List.of(), List.of(c));
    assertThat(count.reason()).startsWith("first result: expected 1 output");
    assertThatThrownBy(() -> Validators.agree(OperatorId.parse("tensor.conv@1"), List.of(x), Attributes.empty(), List.of(c), List.of(c)))
        .isInstanceOf(OperatorException.class);
  }

  // ---- full recomputation ----

  @ParameterizedTest
  @EnumSource(DType.class)
  void fullRecomputationAcceptsTheHonestResultAndNothingBeyondTolerance(DType dtype) {
    SplittableRandom rnd = new SplittableRandom(2);
    Tensor a = random(dtype, Shape.of(10, 20), rnd);
    Tensor b = random(dtype, Shape.of(20, 6), rnd);
    Operator matmul = op("tensor.matmul@1");
    Tensor c = honest("tensor.matmul@1", a, b);
    Verdict ok = Validators.fullRecompute(matmul, List.of(a, b), Attributes.empty(), List.of(c));
    assertThat(ok).passes().ran(Check.STRUCTURE, Check.FULL_RECOMPUTE);
    assertThat(ok.check(Check.FULL_RECOMPUTE).orElseThrow().samples()).isEqualTo(60);
    // Even one element off is seen.
    float v = c.getFloat(37);
    Tensor one = dtype == DType.INT32 ? withElement(c, 37, c.getInt(37) + 1) : withElement(c, 37, v + Math.copySign(0.05 * Math.abs(v) + 0.01, v));
    assertThat(Validators.fullRecompute(matmul, List.of(a, b), Attributes.empty(), List.of(one)))
        .failsAt(Check.FULL_RECOMPUTE).detailContains("1 of 60 elements");
    assertThat(Validators.fullRecompute(matmul, List.of(a, b), Attributes.empty(), List.of(c, c))).failsAt(Check.STRUCTURE);
  }

  /**
   * The local result is the reference: a result summed in another order that strays past the
   * tolerance from it fails, even where it is nearer the exact value. Agreement between two
   * workers (quorum) still allows for the order; recomputation is the arbiter and does not.
   */
  @Test
  void fullRecomputationHoldsResultsToTheOperatorsArithmetic() {
    int k = 4096;
    float[] a = new float[k];
    a[0] = 1;
    Arrays.fill(a, 1, k, 0x1p-24f);
    float[] ones = new float[k];
    Arrays.fill(ones, 1);
    List<Tensor> inputs = List.of(Tensor.float32(Shape.of(1, k), a), Tensor.float32(Shape.of(k, 1), ones));
    Tensor exact = Tensor.float32(Shape.of(1, 1), new float[] {(float) (1 + (k - 1) * 0x1p-24)});
    assertThat(Validators.fullRecompute(op("tensor.matmul@1"), inputs, Attributes.empty(), List.of(exact)))
        .failsAt(Check.FULL_RECOMPUTE);
    Tensor reference = op("tensor.matmul@1").apply(inputs, Attributes.empty()).getFirst();
    assertThat(Validators.fullRecompute(op("tensor.matmul@1"), inputs, Attributes.empty(), List.of(reference))).passes();
    assertThat(
            Validators.agree(op("tensor.matmul@1").id(), inputs, Attributes.empty(), List.of(exact), List.of(reference))
                .matches())
        .as("two workers summing in different orders still agree")
        .isTrue();
  }

  @Test
  void fullRecomputationOfATaskTheOperatorFailsRejectsAnyResult() {
    Tensor x = Tensor.int32(Shape.of(2), new int[] {1, 2});
    Tensor zero = Tensor.int32(Shape.of(2), new int[] {1, 0});
    Verdict v = Validators.fullRecompute(op("tensor.div@1"), List.of(x, zero), Attributes.empty(), List.of(x));
    assertThat(v).failsAt(Check.FULL_RECOMPUTE).detailContains("division by zero");
  }

  /** An operator from outside the standard set is compared under its dtype tolerance. */
  @Test
  void fullRecomputationOfAnOperatorWithoutAValidator() {
    Operator twice = new Operator() {
      @Override
      public OperatorId id() {
        return OperatorId.parse("test.twice@1");
      }

      @Override
      public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
        return List.of(inputs.getFirst());
      }

      @Override
      public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
        float[] v = inputs.getFirst().toFloatArray();
        for (int i = 0; i < v.length; i++) {
          v[i] *= 2;
        }
        return List.of(Tensor.float32(inputs.getFirst().shape(), v));
      }
    };
    Tensor x = Tensor.float32(Shape.of(3), new float[] {1, 2, 3});
    assertThat(Validators.fullRecompute(twice, List.of(x), Attributes.empty(), List.of(Tensor.float32(Shape.of(3), new float[] {2, 4, 6}))))
        .passes();
    assertThat(Validators.fullRecompute(twice, List.of(x), Attributes.empty(), List.of(Tensor.float32(Shape.of(3), new float[] {2, 4, 6.01f}))))
        .failsAt(Check.FULL_RECOMPUTE);
  }
}
