package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.beyondTolerance;
import static dev.shoal.operators.validation.Fixtures.floats;
import static dev.shoal.operators.validation.Fixtures.honest;
import static dev.shoal.operators.validation.Fixtures.random;
import static dev.shoal.operators.validation.Fixtures.uniform;
import static dev.shoal.operators.validation.Fixtures.validate;
import static dev.shoal.operators.validation.Fixtures.withElement;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ElementwiseValidatorTest {

  private static final float NAN = Float.NaN;

  static Stream<Arguments> binaryCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("add", "sub", "mul", "div", "max", "min")) {
      for (DType dtype : DType.values()) {
        out.add(Arguments.of("tensor." + op + "@1", dtype));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> unaryCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("relu", "tanh", "sigmoid", "exp", "log")) {
      for (DType dtype : DType.values()) {
        if (dtype.isFloating() || op.equals("relu")) {
          out.add(Arguments.of("tensor." + op + "@1", dtype));
        }
      }
    }
    return out.stream();
  }

  /** Inputs in [0.5, 2) keep every result finite, away from zero and inside its range after perturbation. */
  private static List<Tensor> inputs(String id, DType dtype, Shape shape, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int arity = List.of("tensor.relu@1", "tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1").contains(id) ? 1 : 2;
    List<Tensor> in = new ArrayList<>();
    for (int i = 0; i < arity; i++) {
      in.add(dtype == DType.INT32 ? uniform(dtype, shape, 1, 1000, rnd) : uniform(dtype, shape, 0.5, 2, rnd));
    }
    return in;
  }

  private static Tensor run(String id, List<Tensor> inputs) {
    return honest(id, Attributes.empty(), inputs.toArray(Tensor[]::new));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource({"binaryCases", "unaryCases"})
  void everyElementJustBeyondToleranceIsRejectedWithCertaintyBySampling(String id, DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      List<Tensor> in = inputs(id, dtype, Shape.of(40, 25), seed);
      Tensor forged = beyondTolerance(run(id, in));
      Verdict v = validate(id, Attributes.empty(), in, forged, ValidationSettings.LIGHT, seed);
      assertThat(v).failsAt(Check.SAMPLED_RECOMPUTE);
      assertThat(v.firstFailure().orElseThrow().samples()).isEqualTo(ValidationSettings.LIGHT.samples());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource({"binaryCases", "unaryCases"})
  void garbageIsRejected(String id, DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      List<Tensor> in = inputs(id, dtype, Shape.of(7, 9), seed);
      Tensor garbage = random(dtype, Shape.of(7, 9), new SplittableRandom(seed + 99));
      assertThat(validate(id, Attributes.empty(), in, garbage, ValidationSettings.LIGHT, seed)).fails();
    }
  }

  /** A result with a fraction f of wrong elements passes sampling with probability (1-f)^samples. */
  @Test
  void samplingCatchesSparseErrorsAsOftenAsPromised() {
    int caught = 0;
    int trials = 400;
    for (long seed = 0; seed < trials; seed++) {
      List<Tensor> in = inputs("tensor.add@1", DType.FLOAT32, Shape.of(1000), seed);
      Tensor c = run("tensor.add@1", in);
      float[] v = c.toFloatArray();
      for (int i = 0; i < v.length; i += 10) {
        v[i] += 1; // f = 1/10
      }
      if (!validate("tensor.add@1", Attributes.empty(), in, Tensor.float32(c.shape(), v), new ValidationSettings(1, 8), seed).passed()) {
        caught++;
      }
    }
    // 1 - 0.9^8 = 0.570 → about 228 of 400, standard deviation about 10.
    assertThat(caught).isBetween(188, 268);
  }

  // ---- invariants ----

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void reluNaNFromAFiniteInputBreaksTheInvariant(DType dtype) {
    Tensor x = floats(dtype, Shape.of(4), -1, 2, NAN, 3);
    Tensor c = honest("tensor.relu@1", x);
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), c, 1)).passes();
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), withElement(c, 1, NAN), 1))
        .failsAt(Check.INVARIANTS).detailContains("element 1");
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), withElement(c, 0, -0.5), 1)).failsAt(Check.INVARIANTS);
    // relu(NaN) must stay NaN.
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), withElement(c, 2, 0), 1)).failsAt(Check.INVARIANTS);
  }

  @Test
  void int32ReluIsNeverNegative() {
    Tensor x = Tensor.int32(Shape.of(3), new int[] {-5, 0, 5});
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), Tensor.int32(Shape.of(3), new int[] {-5, 0, 5}), 1))
        .failsAt(Check.INVARIANTS);
    assertThat(validate("tensor.relu@1", Attributes.empty(), List.of(x), Tensor.int32(Shape.of(3), new int[] {1, 0, 5}), 1))
        .failsAt(Check.SAMPLED_RECOMPUTE);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void sigmoidOutsideZeroToOneBreaksTheInvariant(DType dtype) {
    Tensor x = floats(dtype, Shape.of(3), 0, 1, -1);
    Tensor c = honest("tensor.sigmoid@1", x);
    assertThat(validate("tensor.sigmoid@1", Attributes.empty(), List.of(x), withElement(c, 1, 1.5), 1))
        .failsAt(Check.INVARIANTS).detailContains("[0, 1]");
    assertThat(validate("tensor.sigmoid@1", Attributes.empty(), List.of(x), withElement(c, 2, -0.01), 1)).failsAt(Check.INVARIANTS);
    assertThat(validate("tensor.sigmoid@1", Attributes.empty(), List.of(x), withElement(c, 0, NAN), 1)).failsAt(Check.INVARIANTS);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void tanhExpAndLogInvariants(DType dtype) {
    Tensor x = floats(dtype, Shape.of(4), 0.5f, 2, 3, 0);
    assertThat(validate("tensor.tanh@1", Attributes.empty(), List.of(x), withElement(honest("tensor.tanh@1", x), 2, 1.25), 1))
        .failsAt(Check.INVARIANTS);
    assertThat(validate("tensor.exp@1", Attributes.empty(), List.of(x), withElement(honest("tensor.exp@1", x), 0, -1), 1))
        .failsAt(Check.INVARIANTS);
    Tensor logs = floats(dtype, Shape.of(4), 2, -1, 0, NAN);
    Tensor log = honest("tensor.log@1", logs);
    assertThat(log.toFloatArray()).endsWith(NAN, Float.NEGATIVE_INFINITY, NAN);
    assertThat(validate("tensor.log@1", Attributes.empty(), List.of(logs), log, 1)).passes();
    // log(-1) must be NaN, log(0) must be -infinity, log(2) must not be NaN.
    assertThat(validate("tensor.log@1", Attributes.empty(), List.of(logs), withElement(log, 1, 0), 1)).failsAt(Check.INVARIANTS);
    assertThat(validate("tensor.log@1", Attributes.empty(), List.of(logs), withElement(log, 2, -88), 1)).failsAt(Check.INVARIANTS);
    assertThat(validate("tensor.log@1", Attributes.empty(), List.of(logs), withElement(log, 0, NAN), 1)).failsAt(Check.INVARIANTS);
  }

  @Test
  void aNaNOperandMustGiveNaN() {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {NAN, 1});
    Tensor y = Tensor.float32(Shape.of(2), new float[] {5, 2});
    for (String id : List.of("tensor.add@1", "tensor.max@1", "tensor.min@1")) {
      Tensor c = honest(id, x, y);
      assertThat(validate(id, Attributes.empty(), List.of(x, y), c, 1)).passes();
      assertThat(validate(id, Attributes.empty(), List.of(x, y), withElement(c, 0, 5), 1)).failsAt(Check.INVARIANTS);
    }
  }

  /** An honest worker fails an int32 division by zero; any result for it is forged. */
  @Test
  void int32DivisionByZeroHasNoHonestResult() {
    Tensor x = Tensor.int32(Shape.of(3), new int[] {6, 7, 8});
    Tensor y = Tensor.int32(Shape.of(3), new int[] {2, 0, 4});
    assertThat(validate("tensor.div@1", Attributes.empty(), List.of(x, y), Tensor.int32(Shape.of(3), new int[] {3, 0, 2}), 1))
        .failsAt(Check.INVARIANTS).detailContains("divides by zero");
  }

  @Test
  void int32ArithmeticWrapsExactly() {
    Tensor x = Tensor.int32(Shape.of(2), new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE});
    Tensor y = Tensor.int32(Shape.of(2), new int[] {1, -1});
    Tensor sum = honest("tensor.add@1", x, y);
    assertThat(sum.toIntArray()).containsExactly(Integer.MIN_VALUE, Integer.MAX_VALUE);
    assertThat(validate("tensor.add@1", Attributes.empty(), List.of(x, y), sum, 1)).passes();
    // The mathematically right but unwrapped answer cannot be stored; its saturated version is wrong.
    assertThat(validate("tensor.add@1", Attributes.empty(), List.of(x, y), Tensor.int32(Shape.of(2), new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE}), 1))
        .failsAt(Check.SAMPLED_RECOMPUTE);
  }

  /** Float32 x·y that overflows is +infinity honestly, and the largest float is then wrong. */
  @Test
  void overflowToInfinityIsRequiredWhereIEEERoundsThere() {
    Tensor x = Tensor.float32(Shape.of(1), new float[] {1e20f});
    Tensor c = honest("tensor.mul@1", x, x);
    assertThat(c.getFloat(0)).isInfinite();
    assertThat(validate("tensor.mul@1", Attributes.empty(), List.of(x, x), c, 1)).passes();
    assertThat(validate("tensor.mul@1", Attributes.empty(), List.of(x, x), Tensor.float32(Shape.of(1), new float[] {Float.MAX_VALUE}), 1))
        .failsAt(Check.SAMPLED_RECOMPUTE);
  }

  @Test
  void invariantsRunBeforeRecomputationAndRecordEveryElement() {
    Tensor x = uniform(DType.FLOAT32, Shape.of(50, 50), -3, 3, new SplittableRandom(1));
    Verdict v = validate("tensor.sigmoid@1", Attributes.empty(), List.of(x), honest("tensor.sigmoid@1", x), 1);
    assertThat(v).passes().ran(Check.STRUCTURE, Check.INVARIANTS, Check.SAMPLED_RECOMPUTE);
    assertThat(v.check(Check.INVARIANTS).orElseThrow().samples()).isEqualTo(2500);
    assertThat(v.check(Check.SAMPLED_RECOMPUTE).orElseThrow().samples()).isEqualTo(32);
    // Int32 add has no invariant worth a pass of its own.
    Tensor i = Tensor.int32(Shape.of(2), new int[] {1, 2});
    assertThat(validate("tensor.add@1", Attributes.empty(), List.of(i, i), honest("tensor.add@1", i, i), 1))
        .ran(Check.STRUCTURE, Check.SAMPLED_RECOMPUTE);
  }
}
