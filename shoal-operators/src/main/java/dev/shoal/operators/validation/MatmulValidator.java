package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.Tolerance;
import dev.shoal.operators.internal.TensorAccess;
import java.util.List;
import java.util.function.Function;

/**
 * {@code tensor.matmul@1}, C = A·B with A m×k and B k×n: Freivalds' test, then sampled
 * recomputation. Both are needed: Freivalds sees any element that is far off but tolerates, per
 * row, the sum of all the row's element allowances, while sampling sees small errors only if they
 * are dense enough to be drawn. An output held by reference gets sampled recomputation alone,
 * with more samples: Freivalds would read all of it.
 *
 * <p>Float32 accumulates in float (float16 too, rounding to half once at the end), so an honest
 * element may differ from the exact product by up to γ_k·Σ_p |a_ip|·|b_pj| with γ_k ≈ k·2^-24
 * (see {@link Numerics#gamma}); every float bound below includes that allowance on top of the
 * dtype tolerance. Int32 wraps modulo 2^32 and is checked exactly.
 */
final class MatmulValidator extends OperatorValidator {

  MatmulValidator() {
    super("tensor.matmul@1");
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    // Freivalds multiplies the whole output by a vector: for an output held by reference that is
    // reading all of it, so more elements are recomputed instead (samplesByReference).
    return claim.isHeld() ? List.of(MatmulValidator::freivalds, MatmulValidator::sampled) : List.of(MatmulValidator::sampled);
  }

  /**
   * Without Freivalds' test the samples are all there is, so take {@code samples × rounds} of them:
   * a few hundred elements at the default settings, each O(k) to recompute and a few bytes to
   * read, where one Freivalds round would read the whole output.
   */
  @Override
  int samplesByReference(ValidationSettings settings) {
    return (int) Math.min(ValidationSettings.MAX_SAMPLES, (long) settings.samples() * settings.freivaldsRounds());
  }

  private record Dims(int m, int k, int n) {
    static Dims of(Claim claim) {
      return new Dims(claim.input(0).shape().dim(0), claim.input(0).shape().dim(1), claim.input(1).shape().dim(1));
    }
  }

  // ---- Freivalds ----

  /**
   * Per round, draws a random vector r and compares C·r with A·(B·r), in O(mk + kn + mn).
   *
   * <p>Int32: r is uniform over all ints and the arithmetic wraps, exactly as the operator's. If
   * row i of C is wrong, a round misses it with probability at most 2^(v-32), where 2^v is the
   * largest power of two dividing every error in that row: 2^-32 for an error of ±1, and never
   * more than 1/2 (errors that are multiples of 2^31).
   *
   * <p>Floats: r is in {-1,+1}^n, and row i fails if |(C·r)_i − (A·(B·r))_i| exceeds its budget
   * T_i = Σ_j (atol + rtol·|c_ij| + allowance_ij) plus double-rounding terms, which no honest row
   * can reach. If some element of row i is off from the exact product by more than 2·T_i, each
   * round catches it with probability at least 1/2 (with certainty if it is the only wrong element
   * of its row). A row holding NaN or an infinity is skipped when its inputs allow that honestly
   * (non-finite inputs, or magnitudes near the dtype's range) and fails otherwise.
   */
  private static Check freivalds(Claim claim) {
    Dims d = Dims.of(claim);
    int rounds = claim.settings().freivaldsRounds();
    if (d.m() == 0 || d.n() == 0) {
      return Check.pass(Check.FREIVALDS, 0, 0, "empty output, nothing to test");
    }
    return claim.output().dtype() == DType.INT32
        ? freivaldsInts(TensorAccess.ints(claim.input(0)), TensorAccess.ints(claim.input(1)), TensorAccess.ints(claim.heldOutput()), d, rounds, claim)
        : freivaldsFloats(claim, d, rounds);
  }

  private static Check freivaldsInts(int[] a, int[] b, int[] c, Dims d, int rounds, Claim claim) {
    int m = d.m(), k = d.k(), n = d.n();
    int[] r = new int[n];
    int[] br = new int[k];
    for (int round = 1; round <= rounds; round++) {
      for (int j = 0; j < n; j++) {
        r[j] = claim.random().nextInt();
      }
      for (int p = 0; p < k; p++) {
        int s = 0;
        for (int j = 0, row = p * n; j < n; j++) {
          s += b[row + j] * r[j];
        }
        br[p] = s;
      }
      for (int i = 0; i < m; i++) {
        int y = 0;
        for (int p = 0, row = i * k; p < k; p++) {
          y += a[row + p] * br[p];
        }
        int z = 0;
        for (int j = 0, row = i * n; j < n; j++) {
          z += c[row + j] * r[j];
        }
        if (y != z) {
          return Check.fail(Check.FREIVALDS, round, 0,
              "round " + round + ": row " + i + " of the product is wrong ((C·r)_i = " + z + " but (A·(B·r))_i = " + y + ", modulo 2^32)");
        }
      }
    }
    return Check.pass(Check.FREIVALDS, rounds, 0, rounds + " rounds over " + m + " rows, exact modulo 2^32");
  }

  private static Check freivaldsFloats(Claim claim, Dims d, int rounds) {
    int m = d.m(), k = d.k(), n = d.n();
    float[] a = TensorAccess.floats(claim.input(0));
    float[] b = TensorAccess.floats(claim.input(1));
    float[] c = TensorAccess.floats(claim.heldOutput());
    DType dtype = claim.output().dtype();
    Tolerance tol = Tolerance.forDType(dtype);
    double g = Numerics.gamma(k, Numerics.FLOAT32_UNIT);
    // Rounding of the double sums below: y and z each take at most n + k terms.
    double eval = Numerics.gamma(n + (long) k, Numerics.DOUBLE_UNIT);
    // Per element of the row: atol, the underflow of up to k float products (float32), the final rounding to half
    // near zero (float16); per unit of |c_ij|: rtol and, for float16, that final rounding.
    double perElement = tol.atol() + (dtype == DType.FLOAT16 ? Numerics.minSubnormal(dtype) : k * (double) Float.MIN_VALUE);
    double perMagnitude = tol.rtol() + (dtype == DType.FLOAT16 ? Numerics.unit(dtype) / (1 - Numerics.unit(dtype)) : 0);

    double[] bAbsRows = new double[k]; // |B|·1: then Σ_j Σ_p |a_ip||b_pj| = (|A|·(|B|·1))_i in O(mk + kn)
    for (int p = 0; p < k; p++) {
      double s = 0;
      for (int j = 0, row = p * n; j < n; j++) {
        s += Math.abs(b[row + j]);
      }
      bAbsRows[p] = s;
    }
    double[] budget = new double[m]; // NaN: the row is skipped
    int skipped = 0;
    for (int i = 0; i < m; i++) {
      double rowAbs = 0;
      for (int p = 0, row = i * k; p < k; p++) {
        rowAbs += Math.abs(a[row + p]) * bAbsRows[p];
      }
      double cAbs = 0;
      int nonFinite = -1;
      for (int j = 0, row = i * n; j < n; j++) {
        float v = c[row + j];
        if (Float.isFinite(v)) {
          cAbs += Math.abs(v);
        } else if (nonFinite < 0) {
          nonFinite = j;
        }
      }
      boolean inputsFinite = Double.isFinite(rowAbs);
      if (nonFinite >= 0) {
        // Every element's |a|·|b| sum is at most rowAbs, so below the range no sum can overflow.
        if (inputsFinite && rowAbs * (1 + g) * (1 + eval) + k * (double) Float.MIN_VALUE < Numerics.maxFinite(dtype)) {
          return Check.fail(Check.FREIVALDS, 0, 0,
              "element [" + i + ", " + nonFinite + "] is " + c[i * n + nonFinite]
                  + " although the inputs of its row are finite and too small for any sum to overflow");
        }
        budget[i] = Double.NaN;
        skipped++;
        continue;
      }
      if (!inputsFinite) {
        // A NaN or infinity in a_i, or anywhere in B, makes at least one element of the row non-finite.
        return Check.fail(Check.FREIVALDS, 0, 0,
            "row " + i + " is all finite although its inputs hold a NaN or an infinity, which IEEE arithmetic carries into the row");
      }
      budget[i] = (n * perElement + perMagnitude * cAbs + g * rowAbs + eval * (rowAbs + cAbs)) * (1 + eval);
    }

    double[] r = new double[n];
    double[] br = new double[k];
    for (int round = 1; round <= rounds; round++) {
      for (int j = 0; j < n; j++) {
        r[j] = claim.random().nextBoolean() ? 1 : -1;
      }
      for (int p = 0; p < k; p++) {
        double s = 0;
        for (int j = 0, row = p * n; j < n; j++) {
          s += b[row + j] * r[j];
        }
        br[p] = s;
      }
      for (int i = 0; i < m; i++) {
        if (Double.isNaN(budget[i])) {
          continue;
        }
        double y = 0;
        for (int p = 0, row = i * k; p < k; p++) {
          y += a[row + p] * br[p];
        }
        double z = 0;
        for (int j = 0, row = i * n; j < n; j++) {
          z += c[row + j] * r[j];
        }
        double gap = Math.abs(z - y);
        if (!(gap <= budget[i])) {
          return Check.fail(Check.FREIVALDS, round, 0,
              "round " + round + ": row " + i + " of the product is wrong: |(C·r)_i - (A·(B·r))_i| = " + gap
                  + " exceeds the row's rounding budget " + budget[i]);
        }
      }
    }
    String detail = rounds + " rounds over " + m + " rows";
    if (skipped > 0) {
      detail += "; " + skipped + " rows skipped: they hold NaN or infinity, which their inputs allow";
    }
    return Check.pass(Check.FREIVALDS, rounds, 0, detail);
  }

  // ---- sampled recomputation ----

  /**
   * Recomputes sampled elements as dot products of a row of A and a column of B, exactly as the
   * operator computes them: int32 wrapping, floats accumulated in float in the operator's order,
   * then compared with the dtype's documented tolerance. Freivalds, before it, bounds the whole
   * product against exact arithmetic; this check holds each sampled element to the operator.
   */
  private static Check sampled(Claim claim) {
    Dims d = Dims.of(claim);
    Elements c = claim.sample();
    int samples = c.size();
    String skipped = claim.isHeld() ? "" : "; no Freivalds' test: it reads every element, and the output is held by reference";
    int k = d.k(), n = d.n();
    if (c.dtype() == DType.INT32) {
      int[] a = TensorAccess.ints(claim.input(0));
      int[] b = TensorAccess.ints(claim.input(1));
      int[] z = c.ints();
      for (int s = 0; s < samples; s++) {
        int o = c.position(s);
        int i = o / n, j = o % n;
        int sum = 0;
        for (int p = 0; p < k; p++) {
          sum += a[i * k + p] * b[p * n + j];
        }
        if (sum != z[s]) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, samples,
              "element [" + i + ", " + j + "] is " + z[s] + ", the product has " + sum);
        }
      }
      return Check.pass(Check.SAMPLED_RECOMPUTE, 0, samples, c.describe() + " recomputed exactly" + skipped);
    }
    DType dtype = c.dtype();
    float[] a = TensorAccess.floats(claim.input(0));
    float[] b = TensorAccess.floats(claim.input(1));
    float[] z = c.floats();
    for (int s = 0; s < samples; s++) {
      int o = c.position(s);
      int i = o / n, j = o % n;
      // The reference is tensor.matmul@1's own arithmetic: float products summed in float, p in
      // order. Judged against it with the documented tolerance, an error just past the tolerance
      // is caught, where an allowance for every possible summation order (k ulps) would hide it.
      float sum = 0;
      for (int p = 0; p < k; p++) {
        sum += a[i * k + p] * b[p * n + j];
      }
      double reference = Numerics.round(sum, dtype);
      if (!Numerics.acceptable(reference, 0, dtype, z[s])) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, samples,
            "element [" + i + ", " + j + "] is " + z[s] + ", the operator's arithmetic gives " + reference
                + " (tolerance " + Tolerance.forDType(dtype) + ")");
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, samples, c.describe() + " recomputed" + skipped);
  }

  // ---- comparing two results ----

  /**
   * Bounds Σ_p |a_ip||b_pj| by the least of ‖a_i‖₂‖b_j‖₂ (Cauchy–Schwarz), ‖a_i‖₁·max_p|b_pj| and
   * max_p|a_ip|·‖b_j‖₁ (Hölder), so the spread costs O(mk + kn) rather than a second product and
   * stays tight when one side is dominated by a few large values.
   */
  @Override
  Spread spread(List<Tensor> inputs, Attributes attributes) {
    Tensor ta = inputs.get(0);
    Tensor tb = inputs.get(1);
    if (ta.dtype() == DType.INT32) {
      return Spread.NONE;
    }
    int m = ta.shape().dim(0), k = ta.shape().dim(1), n = tb.shape().dim(1);
    Norms rows = new Norms(m);
    float[] a = TensorAccess.floats(ta);
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        rows.add(i, a[i * k + p]);
      }
    }
    Norms cols = new Norms(n);
    float[] b = TensorAccess.floats(tb);
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        cols.add(j, b[p * n + j]);
      }
    }
    double g = Numerics.gamma(k, Numerics.FLOAT32_UNIT);
    DType dtype = ta.dtype();
    return new Spread() {
      private double bound(int index) {
        int i = index / n, j = index % n;
        double l2 = Math.sqrt(rows.sumSquares[i]) * Math.sqrt(cols.sumSquares[j]);
        double holder = Math.min(rows.sumAbs[i] * cols.maxAbs[j], rows.maxAbs[i] * cols.sumAbs[j]);
        // 1 + 2^-20 covers the double rounding of the norms; NaN (a NaN input) stays NaN.
        return Math.min(l2, holder) * (1 + 0x1p-20);
      }

      @Override
      public double allowance(int index) {
        double bound = bound(index);
        return Double.isFinite(bound) ? g * bound + k * (double) Float.MIN_VALUE : Double.POSITIVE_INFINITY;
      }

      @Override
      public boolean mayDiffer(int index) {
        double bound = bound(index);
        return !(bound * (1 + g) + k * (double) Float.MIN_VALUE < Numerics.maxFinite(dtype));
      }
    };
  }

  /** Per row of A or column of B: Σ|x|, Σx² and max|x|, each NaN once a NaN is seen. */
  private static final class Norms {
    final double[] sumAbs;
    final double[] sumSquares;
    final double[] maxAbs;

    Norms(int size) {
      sumAbs = new double[size];
      sumSquares = new double[size];
      maxAbs = new double[size];
    }

    void add(int at, float x) {
      double v = Math.abs((double) x);
      sumAbs[at] += v;
      sumSquares[at] += v * v;
      // Math.max keeps a NaN, so a NaN input makes every bound for its row or column NaN.
      maxAbs[at] = Math.max(maxAbs[at], v);
    }
  }
}
