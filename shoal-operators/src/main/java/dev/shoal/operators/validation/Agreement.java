package dev.shoal.operators.validation;

import dev.shoal.operators.Comparison;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.Tolerance;
import dev.shoal.operators.internal.TensorAccess;
import java.util.List;

/**
 * Whether two results of one operator on the same inputs agree, as two honest results would: int32
 * bit for bit; floats within the dtype tolerance plus twice the {@link Spread} and the final
 * rounding of each, so that honest results never disagree, however their implementations order
 * their arithmetic.
 */
final class Agreement {

  private Agreement() {}

  /**
   * Compares {@code a} with {@code b}, each first held to the expected specs. The spread applies to
   * the first output; every standard operator has at most one.
   */
  static Comparison compare(List<TensorSpec> expected, Spread spread, List<Tensor> a, List<Tensor> b) {
    String problem = Structure.problem(expected, a);
    if (problem != null) {
      return new Comparison(false, 0, -1, Double.NaN, "first result: " + problem);
    }
    problem = Structure.problem(expected, b);
    if (problem != null) {
      return new Comparison(false, 0, -1, Double.NaN, "second result: " + problem);
    }
    long mismatches = 0;
    double maxAbs = 0;
    String reason = "";
    long first = -1;
    for (int t = 0; t < expected.size(); t++) {
      Comparison c = compare(t == 0 ? spread : Spread.NONE, a.get(t), b.get(t));
      if (Double.isFinite(c.maxAbsError())) {
        maxAbs = Math.max(maxAbs, c.maxAbsError());
      }
      if (!c.matches() && mismatches == 0) {
        first = c.firstMismatchIndex();
        reason = expected.size() == 1 ? c.reason() : "output " + t + ": " + c.reason();
      }
      mismatches += c.mismatches();
    }
    return new Comparison(mismatches == 0, mismatches, first, maxAbs, reason);
  }

  private static Comparison compare(Spread spread, Tensor x, Tensor y) {
    int n = (int) x.elementCount();
    DType dtype = x.dtype();
    long mismatches = 0;
    int first = -1;
    double maxAbs = 0;
    if (dtype == DType.INT32) {
      int[] p = TensorAccess.ints(x);
      int[] q = TensorAccess.ints(y);
      for (int i = 0; i < n; i++) {
        maxAbs = Math.max(maxAbs, Math.abs((double) p[i] - q[i]));
        if (p[i] != q[i]) {
          first = first < 0 ? i : first;
          mismatches++;
        }
      }
    } else {
      float[] p = TensorAccess.floats(x);
      float[] q = TensorAccess.floats(y);
      for (int i = 0; i < n; i++) {
        double err = Math.abs((double) p[i] - q[i]);
        if (Double.isFinite(err)) {
          maxAbs = Math.max(maxAbs, err);
        }
        if (!agree(p[i], q[i], spread.allowance(i), spread.mayDiffer(i), dtype)) {
          first = first < 0 ? i : first;
          mismatches++;
        }
      }
    }
    if (mismatches == 0) {
      return new Comparison(true, 0, -1, maxAbs, "");
    }
    String reason = mismatches + " of " + n + " elements differ by more than honest results can; first at index " + first + ": "
        + (dtype == DType.INT32 ? x.getInt(first) + " vs " + y.getInt(first) : x.getFloat(first) + " vs " + y.getFloat(first));
    return new Comparison(false, mismatches, first, maxAbs, reason);
  }

  /** Whether two elements can both be honest, each within {@code allowance} of the exact value before rounding. */
  static boolean agree(double x, double y, double allowance, boolean mayDiffer, DType dtype) {
    boolean xFinite = Double.isFinite(x);
    boolean yFinite = Double.isFinite(y);
    double unit = Numerics.unit(dtype);
    double tiny = Numerics.minSubnormal(dtype);
    if (xFinite && yFinite) {
      Tolerance tol = Tolerance.forDType(dtype);
      double big = Math.max(Math.abs(x), Math.abs(y));
      double bound = tol.atol() + tol.rtol() * big + 2 * allowance + 2 * unit * big + 2 * tiny;
      return Math.abs(x - y) <= bound;
    }
    if (mayDiffer) {
      return true;
    }
    if (!xFinite && !yFinite) {
      return Tolerance.EXACT.close(x, y); // NaN with NaN, an infinity with the same one
    }
    double finite = xFinite ? x : y;
    double other = xFinite ? y : x;
    if (Double.isNaN(other)) {
      return false;
    }
    // Near the top of the range, one honest result may round to the largest float and the other to infinity.
    double reach = finite + Math.copySign(2 * allowance + 2 * unit * Math.abs(finite) + 2 * tiny, other);
    reach = other > 0 ? Math.nextUp(reach) : Math.nextDown(reach);
    return Numerics.round(reach, dtype) == other;
  }
}
