package dev.shoal.operators.validation;

import dev.shoal.operators.Comparison;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.Tolerance;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * Whether two results of one operator on the same inputs agree, as two honest results would: int32
 * bit for bit; floats within the dtype tolerance plus twice the {@link Spread} and the final
 * rounding of each, so that honest results never disagree, however their implementations order
 * their arithmetic. Results in memory are compared element by element; results held by reference
 * at sampled positions, with the same bounds.
 */
final class Agreement {

  private Agreement() {}

  /**
   * Compares {@code a} with {@code b}, each first held to the expected specs. The spread applies to
   * the first output; every standard operator has at most one.
   */
  static Comparison compare(List<TensorSpec> expected, Spread spread, List<Tensor> a, List<Tensor> b) {
    Comparison wrong = structure(expected, Structure.specs(a), Structure.specs(b));
    if (wrong != null) {
      return wrong;
    }
    return combine(expected, t -> compare(t == 0 ? spread : Spread.NONE, Elements.all(a.get(t)), Elements.all(b.get(t))));
  }

  /**
   * Like {@link #compare(List, Spread, List, List)}, reading each pair of outputs at the same
   * {@code samples} positions drawn from {@code random}, unless their content ids say they are the
   * same, which reads nothing. Mismatches count sampled elements.
   */
  static Comparison compareSampled(
      List<TensorSpec> expected, Spread spread, List<? extends OutputElements> a, List<? extends OutputElements> b,
      int samples, RandomGenerator random) {
    Comparison wrong = structure(expected, Structure.claimedSpecs(a), Structure.claimedSpecs(b));
    if (wrong != null) {
      return wrong;
    }
    return combine(expected, t -> {
      OutputElements x = a.get(t);
      OutputElements y = b.get(t);
      if (x.contentId() != null && Objects.equals(x.contentId(), y.contentId())) {
        return new Comparison(true, 0, -1, 0, "");
      }
      int[] positions = Sampling.positions((int) expected.get(t).shape().elementCount(), samples, random);
      return compare(t == 0 ? spread : Spread.NONE, Elements.read(x, positions), Elements.read(y, positions));
    });
  }

  private static Comparison structure(List<TensorSpec> expected, List<TensorSpec> a, List<TensorSpec> b) {
    String problem = Structure.problem(expected, a);
    if (problem != null) {
      return new Comparison(false, 0, -1, Double.NaN, "first result: " + problem);
    }
    problem = Structure.problem(expected, b);
    if (problem != null) {
      return new Comparison(false, 0, -1, Double.NaN, "second result: " + problem);
    }
    return null;
  }

  /** One comparison from each output's, in order. */
  private static Comparison combine(List<TensorSpec> expected, IntFunction<Comparison> output) {
    long mismatches = 0;
    double maxAbs = 0;
    String reason = "";
    long first = -1;
    for (int t = 0; t < expected.size(); t++) {
      Comparison c = output.apply(t);
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

  /** Compares the elements of {@code x} with those of {@code y} at the same positions. */
  private static Comparison compare(Spread spread, Elements x, Elements y) {
    int n = x.size();
    DType dtype = x.dtype();
    long mismatches = 0;
    int first = -1;
    double maxAbs = 0;
    if (dtype == DType.INT32) {
      int[] p = x.ints();
      int[] q = y.ints();
      for (int s = 0; s < n; s++) {
        maxAbs = Math.max(maxAbs, Math.abs((double) p[s] - q[s]));
        if (p[s] != q[s]) {
          first = first < 0 ? s : first;
          mismatches++;
        }
      }
    } else {
      float[] p = x.floats();
      float[] q = y.floats();
      for (int s = 0; s < n; s++) {
        double err = Math.abs((double) p[s] - q[s]);
        if (Double.isFinite(err)) {
          maxAbs = Math.max(maxAbs, err);
        }
        int i = x.position(s);
        if (!agree(p[s], q[s], spread.allowance(i), spread.mayDiffer(i), dtype)) {
          first = first < 0 ? s : first;
          mismatches++;
        }
      }
    }
    if (mismatches == 0) {
      return new Comparison(true, 0, -1, maxAbs, "");
    }
    int at = x.position(first);
    String reason = mismatches + " of " + (x.isAll() ? n + " elements" : n + " sampled elements")
        + " differ by more than honest results can; first at index " + at + ": " + x.show(first) + " vs " + y.show(first);
    return new Comparison(false, mismatches, at, maxAbs, reason);
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
