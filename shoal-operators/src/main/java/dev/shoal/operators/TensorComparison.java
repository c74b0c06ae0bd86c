package dev.shoal.operators;

import java.util.Objects;

/** Compares tensors element by element under a {@link Tolerance}. */
public final class TensorComparison {

  private TensorComparison() {}

  /** Compares under the default tolerance of the expected tensor's dtype. */
  public static Comparison compare(Tensor expected, Tensor actual) {
    return compare(expected, actual, Tolerance.forDType(expected.dtype()));
  }

  /** Dtypes and shapes must be equal; then every element must be {@linkplain Tolerance#close close}. */
  public static Comparison compare(Tensor expected, Tensor actual, Tolerance tolerance) {
    Objects.requireNonNull(tolerance, "tolerance");
    if (expected.dtype() != actual.dtype()) {
      return new Comparison(false, 0, -1, Double.NaN,
          "dtype differs: expected " + expected.dtype().wireName() + ", got " + actual.dtype().wireName());
    }
    if (!expected.shape().equals(actual.shape())) {
      return new Comparison(false, 0, -1, Double.NaN,
          "shape differs: expected " + expected.shape() + ", got " + actual.shape());
    }
    boolean ints = expected.dtype() == DType.INT32;
    int n = (int) expected.elementCount();
    long mismatches = 0;
    long first = -1;
    double maxAbs = 0;
    for (int i = 0; i < n; i++) {
      // int32 through getInt: a double holds every int exactly, a float does not.
      double e = ints ? expected.getInt(i) : expected.getFloat(i);
      double a = ints ? actual.getInt(i) : actual.getFloat(i);
      double err = Math.abs(a - e);
      if (Double.isFinite(err)) {
        maxAbs = Math.max(maxAbs, err);
      }
      if (!tolerance.close(e, a)) {
        if (first < 0) {
          first = i;
        }
        mismatches++;
      }
    }
    if (mismatches == 0) {
      return new Comparison(true, 0, -1, maxAbs, "");
    }
    int f = (int) first;
    String reason = mismatches + " of " + n + " elements differ beyond atol " + tolerance.atol() + " / rtol "
        + tolerance.rtol() + "; first at index " + f + ": expected " + valueAt(expected, f) + ", got "
        + valueAt(actual, f);
    return new Comparison(false, mismatches, first, maxAbs, reason);
  }

  private static String valueAt(Tensor t, int i) {
    return t.dtype() == DType.INT32 ? String.valueOf(t.getInt(i)) : String.valueOf(t.getFloat(i));
  }
}
