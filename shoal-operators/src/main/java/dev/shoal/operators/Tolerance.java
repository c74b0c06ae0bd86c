package dev.shoal.operators;

/**
 * How close a value must be to its expected value: {@code |actual - expected| <= atol + rtol·|expected|};
 * NaN matches NaN and an infinity matches the same infinity, so IEEE special results compare as expected.
 */
public record Tolerance(double atol, double rtol) {

  /** Float32 default: atol 1e-5, rtol 1e-4. */
  public static final Tolerance FLOAT32 = new Tolerance(1e-5, 1e-4);
  /** Float16 default: atol 1e-3, rtol 1e-2. */
  public static final Tolerance FLOAT16 = new Tolerance(1e-3, 1e-2);
  /** Exact equality, the int32 default. */
  public static final Tolerance EXACT = new Tolerance(0, 0);

  public Tolerance {
    if (!(atol >= 0 && rtol >= 0)) {
      throw new IllegalArgumentException("tolerances must be non-negative, got atol " + atol + ", rtol " + rtol);
    }
  }

  /** The documented default for a dtype: float32 1e-5/1e-4, float16 1e-3/1e-2, int32 exact. */
  public static Tolerance forDType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> FLOAT32;
      case FLOAT16 -> FLOAT16;
      case INT32 -> EXACT;
    };
  }

  /**
   * Whether {@code |actual - expected| <= atol + rtol·|expected|}, with the difference taken exactly
   * (so a value just past the bound is never let in by rounding). NaN is close only to NaN, an
   * infinity only to the same infinity, whatever the tolerance.
   */
  public boolean close(double expected, double actual) {
    if (expected == actual) {
      return true;
    }
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return false;
    }
    // The relative part is 0 at expected == 0, even for an infinite rtol.
    double bound = atol + (expected == 0 ? 0 : rtol * Math.abs(expected));
    if (bound == Double.POSITIVE_INFINITY) {
      return true;
    }
    double diff = actual - expected;
    if (Double.isInfinite(diff)) {
      return false;
    }
    if (Math.abs(diff) != bound) {
      // The exact difference is within half an ulp of diff, so it lies on the same side of bound.
      return Math.abs(diff) < bound;
    }
    // diff rounded onto the bound: TwoSum recovers the rounding error to decide which side it came from.
    double virtual = diff - actual;
    double error = (actual - (diff - virtual)) + (-expected - virtual);
    return (diff > 0 ? error : -error) <= 0;
  }
}
