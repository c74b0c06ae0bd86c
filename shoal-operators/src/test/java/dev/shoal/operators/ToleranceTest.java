package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ToleranceTest {

  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;

  /** Bound at expected 2: 0.5 + 0.25·2 = 1, all exact in binary. */
  private static final Tolerance T = new Tolerance(0.5, 0.25);

  @Test
  void equalValuesAreClose() {
    assertThat(Tolerance.EXACT.close(3.25, 3.25)).isTrue();
    assertThat(Tolerance.EXACT.close(0.0, -0.0)).isTrue();
  }

  @Test
  void exactlyAtTheBoundIsClose() {
    assertThat(T.close(2.0, 3.0)).isTrue();
    assertThat(T.close(2.0, 1.0)).isTrue();
  }

  @Test
  void justOverTheBoundIsNotClose() {
    assertThat(T.close(2.0, Math.nextUp(3.0))).isFalse();
    assertThat(T.close(2.0, Math.nextDown(1.0))).isFalse();
  }

  @Test
  void theRelativePartScalesWithTheExpectedValueNotTheActual() {
    // expected -8: bound 0.5 + 0.25·8 = 2.5
    assertThat(T.close(-8.0, -5.5)).isTrue();
    assertThat(T.close(-8.0, -5.4)).isFalse();
    // swapped: expected -5.5 gives bound 0.5 + 1.375 = 1.875 < 2.5
    assertThat(T.close(-5.5, -8.0)).isFalse();
  }

  @Test
  void exactToleranceRefusesTheSmallestDifference() {
    assertThat(Tolerance.EXACT.close(1.0, Math.nextUp(1.0))).isFalse();
  }

  @Test
  void nanIsCloseOnlyToNaN() {
    assertThat(T.close(NAN, NAN)).isTrue();
    assertThat(T.close(NAN, 1.0)).isFalse();
    assertThat(T.close(1.0, NAN)).isFalse();
    assertThat(T.close(NAN, INF)).isFalse();
  }

  @Test
  void infinitiesAreCloseOnlyToThemselves() {
    assertThat(T.close(INF, INF)).isTrue();
    assertThat(T.close(-INF, -INF)).isTrue();
    assertThat(T.close(INF, -INF)).isFalse();
    assertThat(T.close(INF, Double.MAX_VALUE)).isFalse();
    assertThat(T.close(Double.MAX_VALUE, INF)).isFalse();
  }

  @Test
  void evenAnInfiniteToleranceDoesNotMatchInfinityToAFiniteValue() {
    assertThat(new Tolerance(INF, 0).close(1.0, INF)).isFalse();
    assertThat(new Tolerance(INF, 0).close(1.0, 1e300)).isTrue();
  }

  @Test
  void defaultsPerDtypeAreTheDocumentedOnes() {
    assertThat(Tolerance.forDType(DType.FLOAT32)).isEqualTo(new Tolerance(1e-5, 1e-4));
    assertThat(Tolerance.forDType(DType.FLOAT16)).isEqualTo(new Tolerance(1e-3, 1e-2));
    assertThat(Tolerance.forDType(DType.INT32)).isEqualTo(new Tolerance(0, 0));
  }

  @Test
  void float32DefaultAcceptsARelativeErrorOfOneInTenThousand() {
    // bound at 1000: 1e-5 + 1e-4·1000 = 0.10001
    assertThat(Tolerance.FLOAT32.close(1000, 1000.1)).isTrue();
    assertThat(Tolerance.FLOAT32.close(1000, 1000.2)).isFalse();
  }

  @Test
  void float16DefaultAcceptsARelativeErrorOfOneInAHundred() {
    // bound at 1000: 1e-3 + 1e-2·1000 = 10.001
    assertThat(Tolerance.FLOAT16.close(1000, 1010)).isTrue();
    assertThat(Tolerance.FLOAT16.close(1000, 1010.01)).isFalse();
  }

  @Test
  void rejectsNegativeTolerances() {
    assertThatThrownBy(() -> new Tolerance(-1e-9, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Tolerance(0, -1e-9)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNaNTolerances() {
    assertThatThrownBy(() -> new Tolerance(NAN, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Tolerance(0, NAN)).isInstanceOf(IllegalArgumentException.class);
  }
}
