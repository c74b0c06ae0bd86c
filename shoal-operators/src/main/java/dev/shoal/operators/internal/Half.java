package dev.shoal.operators.internal;

/**
 * Rounding to IEEE half precision. Public only so the result validators can round a reference
 * exactly as the operators do; not API.
 */
public final class Half {

  private Half() {}

  /**
   * The half-precision value nearest to {@code d}, rounded once. Going through a plain
   * {@code (float) d} would round twice and can land on the wrong side of a half-precision tie;
   * rounding to float "to odd" first keeps the information that breaks the tie.
   */
  public static float round(double d) {
    float f = (float) d;
    if (f != d && !Double.isNaN(d) && (Float.floatToRawIntBits(f) & 1) == 0) {
      // Of the two floats around d, round-to-odd picks the one with an odd last bit.
      f = Math.nextAfter(f, d);
    }
    return Float.float16ToFloat(Float.floatToFloat16(f));
  }
}
