package dev.shoal.operators;

/**
 * How close two values must be to count as equal: |actual - expected| <= atol + rtol·|expected|.
 * NaN equals NaN and infinities equal themselves, so IEEE special results compare as expected.
 */
public record Tolerance(double atol, double rtol) {

  public static final Tolerance FLOAT32 = new Tolerance(1e-5, 1e-4);
  public static final Tolerance FLOAT16 = new Tolerance(1e-3, 1e-2);
  public static final Tolerance EXACT = new Tolerance(0, 0);

  public Tolerance {
    if (!(atol >= 0) || !(rtol >= 0)) {
      throw new IllegalArgumentException("tolerances must be non-negative, got atol " + atol + " rtol " + rtol);
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

  public boolean close(double expected, double actual) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return expected == actual;
    }
    return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  }
}
