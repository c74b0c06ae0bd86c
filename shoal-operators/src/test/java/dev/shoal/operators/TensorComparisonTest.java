package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TensorComparisonTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;

  @Test
  void identicalTensorsMatch() {
    Tensor t = vector(DType.FLOAT32, 1, 2, 3);
    Comparison c = TensorComparison.compare(t, vector(DType.FLOAT32, 1, 2, 3));
    assertThat(c).isEqualTo(new Comparison(true, 0, -1, 0.0, ""));
  }

  @Test
  void aDtypeMismatchIsReportedWithoutComparingValues() {
    Comparison c = TensorComparison.compare(vector(DType.FLOAT32, 1), vector(DType.INT32, 1));
    assertThat(c.matches()).isFalse();
    assertThat(c.mismatches()).isZero();
    assertThat(c.firstMismatchIndex()).isEqualTo(-1);
    assertThat(c.maxAbsError()).isNaN();
    assertThat(c.reason()).isEqualTo("dtype differs: expected float32, got int32");
  }

  @Test
  void aShapeMismatchIsReportedWithoutComparingValues() {
    Tensor expected = Tensor.float32(Shape.of(2, 2), new float[] {1, 2, 3, 4});
    Tensor actual = Tensor.float32(Shape.of(4), new float[] {1, 2, 3, 4});
    Comparison c = TensorComparison.compare(expected, actual);
    assertThat(c.matches()).isFalse();
    assertThat(c.firstMismatchIndex()).isEqualTo(-1);
    assertThat(c.reason()).isEqualTo("shape differs: expected [2, 2], got [4]");
  }

  @Test
  void valueMismatchesAreCountedWithTheFirstIndexAndTheLargestError() {
    Tensor expected = vector(DType.FLOAT32, 1, 2, 3, 4);
    Tensor actual = vector(DType.FLOAT32, 1, 2.5, 3, 5);
    Comparison c = TensorComparison.compare(expected, actual);
    assertThat(c.matches()).isFalse();
    assertThat(c.mismatches()).isEqualTo(2);
    assertThat(c.firstMismatchIndex()).isEqualTo(1);
    assertThat(c.maxAbsError()).isEqualTo(1.0);
    assertThat(c.reason())
        .isEqualTo("2 of 4 elements differ beyond atol 1.0E-5 / rtol 1.0E-4; first at index 1: expected 2.0, got 2.5");
  }

  @Test
  void theFirstMismatchIsTheLowestIndexEvenIfALaterOneIsWorse() {
    Tensor expected = vector(DType.FLOAT32, 0, 0, 0, 0, 0);
    Tensor actual = vector(DType.FLOAT32, 0, 0, 0, 1, 100);
    Comparison c = TensorComparison.compare(expected, actual);
    assertThat(c.firstMismatchIndex()).isEqualTo(3);
    assertThat(c.maxAbsError()).isEqualTo(100.0);
  }

  @Test
  void differencesWithinTheDtypeToleranceMatchButReportTheError() {
    // float32 bound at 1000 is 0.10001; 1000.0625 is exactly representable.
    Comparison c = TensorComparison.compare(vector(DType.FLOAT32, 1000), vector(DType.FLOAT32, 1000.0625));
    assertThat(c.matches()).isTrue();
    assertThat(c.firstMismatchIndex()).isEqualTo(-1);
    assertThat(c.maxAbsError()).isEqualTo(0.0625);
    assertThat(c.reason()).isEmpty();
  }

  @Test
  void anExplicitToleranceOverridesTheDefault() {
    Comparison c = TensorComparison.compare(vector(DType.FLOAT32, 1000), vector(DType.FLOAT32, 1000.0625), Tolerance.EXACT);
    assertThat(c.matches()).isFalse();
    assertThat(c.reason()).contains("atol 0.0 / rtol 0.0");
  }

  @Test
  void float16UsesTheLooserDefault() {
    // float16 bound at 1000 is 10.001; float32's would be 0.10001.
    Comparison c = TensorComparison.compare(vector(DType.FLOAT16, 1000), vector(DType.FLOAT16, 1008));
    assertThat(c.matches()).isTrue();
    assertThat(c.maxAbsError()).isEqualTo(8.0);
  }

  @Test
  void nanMatchesNaNAndInfinityMatchesItself() {
    Comparison c = TensorComparison.compare(vector(DType.FLOAT32, NAN, INF, -INF), vector(DType.FLOAT32, NAN, INF, -INF));
    assertThat(c.matches()).isTrue();
    assertThat(c.maxAbsError()).isZero();
  }

  @Test
  void nanAgainstANumberIsAMismatchLeftOutOfTheLargestError() {
    Comparison c = TensorComparison.compare(vector(DType.FLOAT32, 1, 2, INF), vector(DType.FLOAT32, NAN, 2.5, 7));
    assertThat(c.matches()).isFalse();
    assertThat(c.mismatches()).isEqualTo(3);
    assertThat(c.firstMismatchIndex()).isZero();
    assertThat(c.maxAbsError()).isEqualTo(0.5);
  }

  @Test
  void int32IsComparedExactly() {
    Comparison c = TensorComparison.compare(vector(DType.INT32, 1, 2, 3), vector(DType.INT32, 1, 2, 4));
    assertThat(c.matches()).isFalse();
    assertThat(c.mismatches()).isEqualTo(1);
    assertThat(c.firstMismatchIndex()).isEqualTo(2);
    assertThat(c.maxAbsError()).isEqualTo(1.0);
  }

  @Test
  void int32IsComparedExactlyBeyondFloatPrecision() {
    // 16777217 and 16777216 are the same float but different ints.
    Comparison c = TensorComparison.compare(vector(DType.INT32, 16777217), vector(DType.INT32, 16777216));
    assertThat(c.matches()).isFalse();
    assertThat(c.firstMismatchIndex()).isZero();
    assertThat(c.maxAbsError()).isEqualTo(1.0);
  }

  @Test
  void int32MismatchReasonShowsTheExactIntValues() {
    Comparison c = TensorComparison.compare(vector(DType.INT32, 16777217), vector(DType.INT32, 16777216));
    assertThat(c.reason()).contains("expected 16777217, got 16777216");
  }

  @Test
  void emptyTensorsMatch() {
    Tensor e = Tensor.zeros(DType.FLOAT32, Shape.of(0, 3));
    assertThat(TensorComparison.compare(e, Tensor.zeros(DType.FLOAT32, Shape.of(0, 3))))
        .isEqualTo(new Comparison(true, 0, -1, 0.0, ""));
  }
}
