package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.internal.TensorAccess;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code tensor.add|sub|mul|div|max|min@1}: invariants, then sampled recomputation. Each element
 * is one IEEE operation, correctly rounded; computing it in double and rounding once to the output
 * dtype gives the very same value (double has more than twice float's precision, so the double
 * rounding is harmless), so the only slack is the dtype tolerance.
 */
final class ElementwiseBinaryValidator extends OperatorValidator {

  enum Op {
    ADD,
    SUB,
    MUL,
    DIV,
    MAX,
    MIN;

    double apply(double x, double y) {
      return switch (this) {
        case ADD -> x + y;
        case SUB -> x - y;
        case MUL -> x * y;
        case DIV -> x / y;
        case MAX -> Math.max(x, y);
        case MIN -> Math.min(x, y);
      };
    }

    int apply(int x, int y) {
      return switch (this) {
        case ADD -> x + y;
        case SUB -> x - y;
        case MUL -> x * y;
        case DIV -> x / y; // callers rule out y == 0
        case MAX -> Math.max(x, y);
        case MIN -> Math.min(x, y);
      };
    }

    String operatorId() {
      return "tensor." + name().toLowerCase(Locale.ROOT) + "@1";
    }
  }

  private final Op op;

  ElementwiseBinaryValidator(Op op) {
    super(op.operatorId());
    this.op = op;
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    DType dtype = claim.output().dtype();
    // Int32 add, sub, mul, max and min have no invariant cheaper than recomputing them.
    return dtype.isFloating() || op == Op.DIV ? List.of(this::invariants, this::sampled) : List.of(this::sampled);
  }

  /**
   * A NaN operand gives a NaN (IEEE, and Math.max/min), over every output element, or over the
   * sample of an output held by reference; int32 division has no zero divisor, because an honest
   * worker fails such a task instead of returning a result (the inputs say so, whatever the output).
   */
  private Check invariants(Claim claim) {
    if (claim.output().dtype() == DType.INT32) {
      int n = claim.outputCount();
      int[] y = TensorAccess.ints(claim.input(1));
      for (int i = 0; i < n; i++) {
        if (y[i] == 0) {
          return Check.fail(Check.INVARIANTS, 0, n,
              "element " + i + " divides by zero; an honest worker fails this task rather than return a result");
        }
      }
      return Check.pass(Check.INVARIANTS, 0, n, "no zero divisor among " + n + " elements");
    }
    Elements c = claim.invariantScope();
    int n = c.size();
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = TensorAccess.floats(claim.input(1));
    float[] z = c.floats();
    for (int s = 0; s < n; s++) {
      int i = c.position(s);
      if ((Float.isNaN(x[i]) || Float.isNaN(y[i])) && !Float.isNaN(z[s])) {
        return Check.fail(Check.INVARIANTS, 0, n,
            "element " + i + " is " + z[s] + " although an operand is NaN (" + x[i] + ", " + y[i] + "), which gives NaN");
      }
    }
    return Check.pass(Check.INVARIANTS, 0, n, "NaN operands give NaN in " + c.describeInvariantScope());
  }

  private Check sampled(Claim claim) {
    Elements c = claim.sample();
    int n = c.size();
    DType dtype = c.dtype();
    if (dtype == DType.INT32) {
      int[] x = TensorAccess.ints(claim.input(0));
      int[] y = TensorAccess.ints(claim.input(1));
      int[] z = c.ints();
      for (int s = 0; s < n; s++) {
        int i = c.position(s);
        if (op == Op.DIV && y[i] == 0) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, n,
              "element " + i + " divides by zero; an honest worker fails this task rather than return a result");
        }
        int expected = op.apply(x[i], y[i]);
        if (z[s] != expected) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, n,
              "element " + i + " is " + z[s] + ", expected " + expected + " (" + x[i] + " " + op.name().toLowerCase(Locale.ROOT) + " " + y[i] + ")");
        }
      }
      return Check.pass(Check.SAMPLED_RECOMPUTE, 0, n, c.describe() + " recomputed exactly");
    }
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = TensorAccess.floats(claim.input(1));
    float[] z = c.floats();
    for (int s = 0; s < n; s++) {
      int i = c.position(s);
      double expected = op.apply(x[i], y[i]);
      if (!Numerics.acceptable(expected, 0, dtype, z[s])) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, n,
            "element " + i + " is " + z[s] + ", expected " + Numerics.show(Numerics.round(expected, dtype), dtype)
                + " (" + x[i] + " " + op.name().toLowerCase(Locale.ROOT) + " " + y[i] + ")");
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, n, c.describe() + " recomputed");
  }
}
