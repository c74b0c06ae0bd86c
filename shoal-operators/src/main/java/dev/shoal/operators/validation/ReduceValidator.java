package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.internal.TensorAccess;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code tensor.reduce_sum|reduce_mean|reduce_max@1}: sampled recomputation, each sampled output
 * reduced again along its slice of the axis (so a sampled max is also checked against every
 * element of its slice). Float sums accumulate in double and round once; in another order an
 * honest sum of L terms may differ by γ_L(double)·Σ|x|, which the reference allows on top of the
 * dtype tolerance. Int32 sums wrap and, like max, are checked exactly.
 */
final class ReduceValidator extends OperatorValidator {

  enum Op {
    SUM,
    MEAN,
    MAX;

    String operatorId() {
      return "tensor.reduce_" + name().toLowerCase(Locale.ROOT) + "@1";
    }
  }

  private final Op op;

  ReduceValidator(Op op) {
    super(op.operatorId());
    this.op = op;
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    return List.of(this::sampled);
  }

  /** The input viewed as [outer, len, inner], the output as [outer, inner]. */
  private record Layout(int outer, int len, int inner) {
    static Layout of(Tensor input, Attributes attributes) {
      int[] dims = input.shape().dims();
      long a = attributes.getLong("axis"); // already checked by the operator's outputSpecs
      int axis = (int) (a < 0 ? a + dims.length : a);
      return new Layout(product(dims, 0, axis), dims[axis], product(dims, axis + 1, dims.length));
    }

    /** The flat input index of element l of the slice reduced into output element o. */
    int at(int o, int l) {
      return (o / inner) * len * inner + l * inner + o % inner;
    }

    private static int product(int[] dims, int from, int to) {
      int p = 1;
      for (int i = from; i < to; i++) {
        p *= dims[i];
      }
      return p;
    }
  }

  private Check sampled(Claim claim) {
    Layout layout = Layout.of(claim.input(0), claim.attributes());
    Elements c = claim.sample();
    int samples = c.size();
    DType dtype = c.dtype();
    String name = "reduce_" + op.name().toLowerCase(Locale.ROOT);
    if (dtype == DType.INT32) {
      int[] x = TensorAccess.ints(claim.input(0));
      int[] z = c.ints();
      for (int s = 0; s < samples; s++) {
        int o = c.position(s);
        int expected = op == Op.MAX ? x[layout.at(o, 0)] : 0;
        for (int l = op == Op.MAX ? 1 : 0; l < layout.len(); l++) {
          int v = x[layout.at(o, l)];
          expected = op == Op.MAX ? Math.max(expected, v) : expected + v;
        }
        if (z[s] != expected) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, samples,
              "element " + o + " is " + z[s] + ", the " + name + " of its slice is " + expected);
        }
      }
      return Check.pass(Check.SAMPLED_RECOMPUTE, 0, samples, c.describe() + " recomputed exactly");
    }
    float[] x = TensorAccess.floats(claim.input(0));
    float[] z = c.floats();
    double g = Numerics.gamma(layout.len(), Numerics.DOUBLE_UNIT);
    for (int s = 0; s < samples; s++) {
      int o = c.position(s);
      double expected;
      double allowance;
      if (op == Op.MAX) {
        expected = x[layout.at(o, 0)];
        for (int l = 1; l < layout.len(); l++) {
          expected = Math.max(expected, x[layout.at(o, l)]);
        }
        allowance = 0; // the max is one of the elements: exact
      } else {
        double sum = 0;
        double abs = 0;
        for (int l = 0; l < layout.len(); l++) {
          float v = x[layout.at(o, l)];
          sum += v;
          abs += Math.abs(v);
        }
        // Ours and an honest sum each within γ·Σ|x| of the exact sum; a third γ covers computing Σ|x| itself.
        allowance = 3 * g * abs;
        expected = sum;
        if (op == Op.MEAN) {
          // Over an empty axis this is 0/0 = NaN, as the operator's; the division adds one rounding each.
          expected = sum / layout.len();
          allowance = allowance / layout.len() + 0x1p-51 * Math.abs(expected);
        }
      }
      if (!Numerics.acceptable(expected, Double.isFinite(expected) ? allowance : 0, dtype, z[s])) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, samples,
            "element " + o + " is " + z[s] + ", the " + name + " of its slice is " + expected
                + (allowance > 0 ? " (within " + allowance + " for summation order)" : ""));
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, samples, c.describe() + " recomputed");
  }

  /** Sums and means may spread by the summation order; a max is exact. O(input) time, O(output) memory. */
  @Override
  Spread spread(List<Tensor> inputs, Attributes attributes) {
    Tensor input = inputs.getFirst();
    if (op == Op.MAX || input.dtype() == DType.INT32) {
      return Spread.NONE;
    }
    Layout layout = Layout.of(input, attributes);
    float[] x = TensorAccess.floats(input);
    double[] allowance = new double[layout.outer() * layout.inner()];
    double g = Numerics.gamma(layout.len(), Numerics.DOUBLE_UNIT);
    for (int o = 0; o < allowance.length; o++) {
      double abs = 0;
      for (int l = 0; l < layout.len(); l++) {
        abs += Math.abs(x[layout.at(o, l)]);
      }
      // NaN only from a NaN input, whose sum is NaN in any order: nothing to allow.
      double a = Double.isNaN(abs) ? 0 : 2 * g * abs;
      allowance[o] = op == Op.MEAN ? a / Math.max(1, layout.len()) : a;
    }
    return new Spread() {
      @Override
      public double allowance(int index) {
        return allowance[index];
      }

      @Override
      public boolean mayDiffer(int index) {
        return false;
      }
    };
  }
}
