package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.beyondTolerance;
import static dev.shoal.operators.validation.Fixtures.honest;
import static dev.shoal.operators.validation.Fixtures.random;
import static dev.shoal.operators.validation.Fixtures.validate;
import static dev.shoal.operators.validation.Fixtures.withElement;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.Tolerance;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatmulValidatorTest {

  private static final String MATMUL = "tensor.matmul@1";

  private record Product(Tensor a, Tensor b, Tensor c) {
    List<Tensor> inputs() {
      return List.of(a, b);
    }
  }

  private static Product product(DType dtype, int m, int k, int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Tensor a = random(dtype, Shape.of(m, k), rnd);
    Tensor b = random(dtype, Shape.of(k, n), rnd);
    return new Product(a, b, honest(MATMUL, a, b));
  }

  private static Verdict check(Product p, Tensor claimed, ValidationSettings settings, long seed) {
    return validate(MATMUL, Attributes.empty(), p.inputs(), claimed, settings, seed);
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void aVerdictRecordsFreivaldsRoundsAndSamples(DType dtype) {
    Product p = product(dtype, 64, 64, 64, 1);
    Verdict v = check(p, p.c(), ValidationSettings.DEFAULT, 1);
    assertThat(v).passes().ran(Check.STRUCTURE, Check.FREIVALDS, Check.SAMPLED_RECOMPUTE);
    assertThat(v.check(Check.FREIVALDS).orElseThrow()).extracting(Check::rounds, Check::samples, Check::passed).containsExactly(8, 0, true);
    assertThat(v.check(Check.SAMPLED_RECOMPUTE).orElseThrow()).extracting(Check::rounds, Check::samples, Check::passed).containsExactly(0, 32, true);
    assertThat(v.failureDetail()).isEmpty();
    // An output smaller than the sample count is recomputed whole.
    Product small = product(dtype, 3, 5, 2, 1);
    assertThat(check(small, small.c(), ValidationSettings.DEFAULT, 1).check(Check.SAMPLED_RECOMPUTE).orElseThrow().samples()).isEqualTo(6);
  }

  /** One element off in a row is caught by every round: nothing else in the row can cancel it. */
  @ParameterizedTest
  @EnumSource(DType.class)
  void freivaldsCatchesOneGrosslyWrongElementInTheFirstRound(DType dtype) {
    for (long seed = 0; seed < 50; seed++) {
      Product p = product(dtype, 64, 64, 64, seed);
      int index = new SplittableRandom(seed).nextInt(64 * 64);
      Tensor forged = withElement(p.c(), index, p.c().getFloat(index) + 1000);
      Check f = check(p, forged, ValidationSettings.DEFAULT, seed).check(Check.FREIVALDS).orElseThrow();
      assertThat(f.passed()).as("seed %d", seed).isFalse();
      assertThat(f.rounds()).isEqualTo(1);
      assertThat(f.detail()).contains("row " + index / 64);
    }
  }

  /**
   * Two errors that cancel whenever r has equal signs at their columns: each round catches them
   * with probability exactly 1/2, the documented worst case. One round catches about half the
   * seeds; 16 rounds miss with probability 2^-16 per seed, so none of 50 seeds slips through.
   */
  @Test
  void freivaldsCatchesCancellingErrorsWithProbabilityOneHalfPerRound() {
    int caughtByOneRound = 0;
    int trials = 200;
    for (long seed = 0; seed < trials; seed++) {
      Product p = product(DType.FLOAT32, 16, 16, 16, seed);
      Tensor forged = withElement(withElement(p.c(), 5 * 16 + 3, p.c().getFloat(5 * 16 + 3) + 100), 5 * 16 + 9, p.c().getFloat(5 * 16 + 9) - 100);
      ValidationSettings oneRound = new ValidationSettings(1, 1);
      if (!check(p, forged, oneRound, seed).check(Check.FREIVALDS).orElseThrow().passed()) {
        caughtByOneRound++;
      }
      if (seed < 50) {
        assertThat(check(p, forged, new ValidationSettings(16, 1), seed)).as("seed %d", seed).failsAt(Check.FREIVALDS);
      }
    }
    // Binomial(200, 1/2): mean 100, standard deviation about 7.
    assertThat(caughtByOneRound).isBetween(65, 135);
  }

  @Test
  void int32FreivaldsIsExactModulo2To32() {
    for (long seed = 0; seed < 50; seed++) {
      Product p = product(DType.INT32, 40, 30, 20, seed);
      int index = new SplittableRandom(seed).nextInt(40 * 20);
      // An error of one is missed with probability 2^-32 per round: every seed is caught at once.
      Check f = check(p, withElement(p.c(), index, p.c().getInt(index) + 1), ValidationSettings.DEFAULT, seed)
          .check(Check.FREIVALDS).orElseThrow();
      assertThat(f.passed()).isFalse();
      assertThat(f.rounds()).isEqualTo(1);
    }
  }

  /** An error of 2^31 vanishes whenever r_j is even: the documented worst case of 1/2 per round. */
  @Test
  void int32ErrorOf2To31IsCaughtWithProbabilityOneHalfPerRound() {
    int caught = 0;
    for (long seed = 0; seed < 200; seed++) {
      Product p = product(DType.INT32, 8, 8, 8, seed);
      Tensor forged = withElement(p.c(), 13, p.c().getInt(13) + Integer.MIN_VALUE);
      if (!check(p, forged, new ValidationSettings(1, 1), seed).check(Check.FREIVALDS).orElseThrow().passed()) {
        caught++;
      }
      if (seed < 50) {
        assertThat(check(p, forged, new ValidationSettings(16, 1), seed).check(Check.FREIVALDS).orElseThrow().passed()).isFalse();
      }
    }
    assertThat(caught).isBetween(65, 135);
  }

  /**
   * What one round of the modular test misses, sampling still sees: with one round, an error of
   * 2^31 slips past Freivalds for about half the seeds, and the exhaustive recomputation of the
   * 2x2 output then rejects it.
   */
  @Test
  void int32SamplingCatchesWhatOneFreivaldsRoundMisses() {
    int caughtBySampling = 0;
    for (long seed = 0; seed < 40; seed++) {
      Product p = product(DType.INT32, 2, 3, 2, seed);
      Tensor forged = withElement(p.c(), 3, p.c().getInt(3) + Integer.MIN_VALUE);
      Verdict v = check(p, forged, new ValidationSettings(1, 4), seed);
      assertThat(v).fails();
      if (v.firstFailure().orElseThrow().method().equals(Check.SAMPLED_RECOMPUTE)) {
        caughtBySampling++;
        assertThat(v.failureDetail()).contains("element [1, 1]");
      }
    }
    assertThat(caughtBySampling).isBetween(8, 32);
  }

  /**
   * Every element just beyond tolerance, in products with a short inner dimension (so the
   * accumulation allowance is far below the tolerance): sampled recomputation catches it on the
   * first sample, so the result fails whatever Freivalds makes of it.
   */
  @ParameterizedTest
  @EnumSource(DType.class)
  void everyElementJustBeyondToleranceIsRejectedWithCertainty(DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      Product p = product(dtype, 32, 8, 32, seed);
      Verdict v = check(p, beyondTolerance(p.c()), ValidationSettings.LIGHT, seed);
      assertThat(v).fails();
      assertThat(v.firstFailure().orElseThrow().method()).isIn(Check.FREIVALDS, Check.SAMPLED_RECOMPUTE);
    }
  }

  /**
   * One element off by three tolerances in a row of eight similar elements stays inside the row's
   * Freivalds budget (eight tolerances), so only recomputation can see it; here it recomputes the
   * whole 8x8 output.
   */
  @Test
  void oneElementSlightlyBeyondToleranceNeedsSampling() {
    float[] a = new float[8 * 8];
    float[] b = new float[8 * 8];
    for (int i = 0; i < 64; i++) {
      a[i] = 0.5f + (i % 3) * 0.125f;
      b[i] = 0.25f + (i % 5) * 0.125f;
    }
    Tensor ta = Tensor.float32(Shape.of(8, 8), a);
    Tensor tb = Tensor.float32(Shape.of(8, 8), b);
    Tensor c = honest(MATMUL, ta, tb);
    Tolerance tol = Tolerance.FLOAT32;
    float v = c.getFloat(19);
    Tensor forged = withElement(c, 19, v + 3 * (tol.atol() + tol.rtol() * v));
    for (long seed = 0; seed < 20; seed++) {
      Verdict verdict = validate(MATMUL, Attributes.empty(), List.of(ta, tb), forged, new ValidationSettings(8, 64), seed);
      assertThat(verdict).failsAt(Check.SAMPLED_RECOMPUTE).detailContains("element [2, 3]");
      assertThat(verdict.check(Check.FREIVALDS).orElseThrow().passed()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void garbageIsRejected(DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      Product p = product(dtype, 24, 16, 12, seed);
      Tensor garbage = random(dtype, p.c().shape(), new SplittableRandom(seed + 1000));
      assertThat(check(p, garbage, ValidationSettings.LIGHT, seed)).failsAt(Check.FREIVALDS);
      assertThat(check(p, Tensor.zeros(dtype, p.c().shape()), ValidationSettings.LIGHT, seed)).failsAt(Check.FREIVALDS);
    }
  }

  /** NaN or infinity where the inputs are small and finite can never be honest. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void nonFiniteElementsFromFiniteInputsAreRejected(DType dtype) {
    Product p = product(dtype, 10, 10, 10, 3);
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      assertThat(check(p, withElement(p.c(), 57, bad), ValidationSettings.LIGHT, 3))
          .failsAt(Check.FREIVALDS).detailContains("element [5, 7]");
      assertThat(check(p, Fixtures.mapFloats(p.c(), x -> bad), ValidationSettings.LIGHT, 3)).failsAt(Check.FREIVALDS);
    }
  }

  /** Finite results where a NaN or infinity in the inputs must reach the output. */
  @Test
  void finiteRowsFromNonFiniteInputsAreRejected() {
    Tensor a = Tensor.float32(Shape.of(2, 2), new float[] {Float.NaN, 1, 1, 1});
    Tensor b = Tensor.float32(Shape.of(2, 2), new float[] {1, 1, 1, 1});
    Tensor forged = Tensor.float32(Shape.of(2, 2), new float[] {2, 2, 2, 2});
    assertThat(validate(MATMUL, Attributes.empty(), List.of(a, b), forged, 1)).failsAt(Check.FREIVALDS).detailContains("row 0");
    // With the NaN row left NaN, Freivalds skips it and recomputation still sees a wrong element in it.
    Tensor partly = Tensor.float32(Shape.of(2, 2), new float[] {Float.NaN, 7, 2, 2});
    Verdict v = validate(MATMUL, Attributes.empty(), List.of(a, b), partly, new ValidationSettings(4, 4), 1);
    assertThat(v).failsAt(Check.SAMPLED_RECOMPUTE).detailContains("element [0, 1]");
    assertThat(v.check(Check.FREIVALDS).orElseThrow().detail()).contains("1 rows skipped");
  }

  @Test
  void float16ResultsAreHeldToHalfPrecision() {
    Product p = product(DType.FLOAT16, 16, 16, 16, 9);
    // The same product as float32 (not rounded to half) is within float16 tolerance: fine.
    Tensor asFloat32 = honest(MATMUL, Tensor.float32(Shape.of(16, 16), p.a().toFloatArray()), Tensor.float32(Shape.of(16, 16), p.b().toFloatArray()));
    assertThat(check(p, Tensor.float16(Shape.of(16, 16), asFloat32.toFloatArray()), ValidationSettings.DEFAULT, 9)).passes();
    assertThat(check(p, beyondTolerance(p.c()), ValidationSettings.DEFAULT, 9)).fails();
  }

  @Test
  void aWrongResultFailsOnlyAtTheStepThatCaughtIt() {
    Product p = product(DType.FLOAT32, 20, 20, 20, 4);
    Verdict v = check(p, withElement(p.c(), 0, 1e6), ValidationSettings.DEFAULT, 4);
    assertThat(v).failsAt(Check.FREIVALDS).ran(Check.STRUCTURE, Check.FREIVALDS);
    assertThat(v.failureDetail()).startsWith("freivalds: round 1: row 0");
  }

  /**
   * The demo's case: a 64x64 tile of a 512-wide product with every element moved by three times
   * the tolerance. Within the k-ulp allowance any summation order would need, yet a lie: the
   * sampled elements, recomputed as the operator computes them, expose it on the first sample.
   */
  @Test
  void aLieJustPastTheToleranceIsCaughtAtLargeK() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    float[] av = new float[64 * 512];
    float[] bv = new float[512 * 64];
    for (int i = 0; i < av.length; i++) {
      av[i] = (float) (rnd.nextDouble() * 2 - 1);
      bv[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    Tensor a = Tensor.float32(Shape.of(64, 512), av);
    Tensor b = Tensor.float32(Shape.of(512, 64), bv);
    Tensor c =
        OperatorRegistry.standard()
            .require(OperatorId.parse("tensor.matmul@1"))
            .apply(List.of(a, b), Attributes.empty())
            .getFirst();
    float[] lie = c.toFloatArray();
    for (int i = 0; i < lie.length; i++) {
      lie[i] = (float) (lie[i] + 3 * (1e-5 + 1e-4 * Math.abs(lie[i])));
    }
    Verdict v =
        Validators.forOperator(OperatorId.parse("tensor.matmul@1"))
            .validate(
                List.of(a, b), Attributes.empty(), List.of(Tensor.float32(Shape.of(64, 64), lie)),
                ValidationSettings.DEFAULT, new java.util.SplittableRandom(1));
    assertThat(v.passed()).isFalse();
    assertThat(v.firstFailure().orElseThrow().method()).isEqualTo(Check.SAMPLED_RECOMPUTE);
    Verdict honest =
        Validators.forOperator(OperatorId.parse("tensor.matmul@1"))
            .validate(List.of(a, b), Attributes.empty(), List.of(c), ValidationSettings.DEFAULT, new java.util.SplittableRandom(1));
    assertThat(honest.passed()).isTrue();
  }
}
