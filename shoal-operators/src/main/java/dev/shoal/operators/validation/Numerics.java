package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.Tolerance;
import dev.shoal.operators.internal.Half;

/**
 * Rounding-error bounds and the one element test every float check uses. The bounds are the
 * standard worst-case ones (Higham, "Accuracy and Stability of Numerical Algorithms", ch. 3),
 * because a check must never reject what an honest implementation can produce.
 */
final class Numerics {

  /** Unit roundoff of float32 arithmetic, in which matmul accumulates. */
  static final double FLOAT32_UNIT = 0x1p-24;
  /** Unit roundoff of double arithmetic, in which the references and reductions are computed. */
  static final double DOUBLE_UNIT = 0x1p-53;

  private static final double FLOAT16_UNIT = 0x1p-11;
  private static final double FLOAT16_MAX = 65504;
  private static final double FLOAT16_MIN_SUBNORMAL = 0x1p-24;

  private Numerics() {}

  /**
   * A bound on the relative error of n roundings with unit roundoff u, γ = (n+2)u / (1-(n+2)u),
   * two more than the textbook n·u/(1-n·u) to cover the evaluation of the bound itself. When the
   * bound is meaningless ((n+2)u ≥ 1/2) it is Double.MAX_VALUE: everything passes, and {@code 0 *
   * gamma} is still 0 where an infinity would give NaN.
   */
  static double gamma(long n, double u) {
    double nu = (n + 2) * u;
    return nu < 0.5 ? nu / (1 - nu) : Double.MAX_VALUE;
  }

  /** Unit roundoff of a floating dtype: the largest relative error of rounding to it. */
  static double unit(DType dtype) {
    return dtype == DType.FLOAT16 ? FLOAT16_UNIT : FLOAT32_UNIT;
  }

  /** The largest finite value of a floating dtype. */
  static double maxFinite(DType dtype) {
    return dtype == DType.FLOAT16 ? FLOAT16_MAX : Float.MAX_VALUE;
  }

  /** The smallest positive value of a floating dtype: a bound on the absolute rounding error near zero. */
  static double minSubnormal(DType dtype) {
    return dtype == DType.FLOAT16 ? FLOAT16_MIN_SUBNORMAL : Float.MIN_VALUE;
  }

  /** Rounds to a floating dtype once, as the operators do (never via float for float16). */
  static double round(double v, DType dtype) {
    return dtype == DType.FLOAT16 ? Half.round(v) : (float) v;
  }

  /**
   * Whether {@code actual} is what an honest implementation can output when the exact result,
   * before the final rounding to {@code dtype}, lies within {@code allowance} (≥ 0, may be
   * infinite) of {@code reference}: it must lie between the roundings of the two ends of that
   * interval, widened by the dtype's {@link Tolerance}. Rounding the ends keeps the test right
   * at the edge of the range, where an honest result may round to ±infinity. A non-finite
   * reference is exact: NaN must meet NaN, an infinity the same infinity.
   */
  static boolean acceptable(double reference, double allowance, DType dtype, double actual) {
    Tolerance tolerance = Tolerance.forDType(dtype);
    if (!Double.isFinite(reference)) {
      return tolerance.close(reference, actual);
    }
    double lo;
    double hi;
    if (allowance == 0) {
      lo = round(reference, dtype);
      hi = lo;
    } else {
      // One ulp outwards, so the double arithmetic here can only widen the interval.
      lo = round(Math.nextDown(reference - allowance), dtype);
      hi = round(Math.nextUp(reference + allowance), dtype);
    }
    if (actual >= lo && actual <= hi) {
      return true;
    }
    // The tolerance grows with |expected| more slowly than the distance does, so the nearer end is the best witness.
    if (actual < lo) {
      return tolerance.close(lo, actual);
    }
    return actual > hi && tolerance.close(hi, actual);
  }

  /** A value for a message: float32 and float16 elements print as the floats they are. */
  static String show(double v, DType dtype) {
    return dtype == DType.INT32 ? String.valueOf((long) v) : String.valueOf((float) v);
  }
}
