package dev.shoal.operators;

/** Compares tensors element-wise under a {@link Tolerance}. */
public final class TensorComparison {

  private TensorComparison() {}

  /** Compares with the dtype's default tolerance. */
  public static Comparison compare(Tensor expected, Tensor actual) {
    return compare(expected, actual, Tolerance.forDType(expected.dtype()));
  }

  public static Comparison compare(Tensor expected, Tensor actual, Tolerance tolerance) {
    if (expected.dtype() != actual.dtype()) {
      return new Comparison(false, 0, -1, Double.NaN,
          "dtype differs: expected " + expected.dtype().wireName() + ", got " + actual.dtype().wireName());
    }
    if (!expected.shape().equals(actual.shape())) {
      return new Comparison(false, 0, -1, Double.NaN,
          "shape differs: expected " + expected.shape() + ", got " + actual.shape());
    }
    long mismatches = 0;
    long first = -1;
    double maxAbs = 0;
    int n = (int) expected.elementCount();
    for (int i = 0; i < n; i++) {
      double e = expected.getFloat(i);
      double a = actual.getFloat(i);
      if (expected.dtype() == DType.INT32) {
        e = expected.getInt(i);
        a = actual.getInt(i);
      }
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
    String reason =
        mismatches == 0
            ? ""
            : mismatches + " of " + n + " elements differ beyond atol " + tolerance.atol() + " / rtol "
                + tolerance.rtol() + "; first at index " + first + ": expected " + expected.getFloat((int) first)
                + ", got " + actual.getFloat((int) first);
    return new Comparison(mismatches == 0, mismatches, first, maxAbs, reason);
  }
}
