package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
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
   * One pass: a NaN operand gives a NaN (IEEE, and Math.max/min); int32 division has no zero
   * divisor, because an honest worker fails such a task instead of returning a result.
   */
  private Check invariants(Claim claim) {
    Tensor out = claim.output();
    int n = (int) out.elementCount();
    if (out.dtype() == DType.INT32) {
      int[] y = TensorAccess.ints(claim.input(1));
      for (int i = 0; i < n; i++) {
        if (y[i] == 0) {
          return Check.fail(Check.INVARIANTS, 0, n,
              "element " + i + " divides by zero; an honest worker fails this task rather than return a result");
        }
      }
      return Check.pass(Check.INVARIANTS, 0, n, "no zero divisor among " + n + " elements");
    }
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = TensorAccess.floats(claim.input(1));
    float[] c = TensorAccess.floats(out);
    for (int i = 0; i < n; i++) {
      if ((Float.isNaN(x[i]) || Float.isNaN(y[i])) && !Float.isNaN(c[i])) {
        return Check.fail(Check.INVARIANTS, 0, n,
            "element " + i + " is " + c[i] + " although an operand is NaN (" + x[i] + ", " + y[i] + "), which gives NaN");
      }
    }
    return Check.pass(Check.INVARIANTS, 0, n, "NaN operands give NaN in all " + n + " elements");
  }

  private Check sampled(Claim claim) {
    Tensor out = claim.output();
    int count = (int) out.elementCount();
    int[] positions = Sampling.positions(count, claim.settings().samples(), claim.random());
    DType dtype = out.dtype();
    if (dtype == DType.INT32) {
      int[] x = TensorAccess.ints(claim.input(0));
      int[] y = TensorAccess.ints(claim.input(1));
      int[] c = TensorAccess.ints(out);
      for (int i : positions) {
        if (op == Op.DIV && y[i] == 0) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, positions.length,
              "element " + i + " divides by zero; an honest worker fails this task rather than return a result");
        }
        int expected = op.apply(x[i], y[i]);
        if (c[i] != expected) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, positions.length,
              "element " + i + " is " + c[i] + ", expected " + expected + " (" + x[i] + " " + op.name().toLowerCase(Locale.ROOT) + " " + y[i] + ")");
        }
      }
      return Check.pass(Check.SAMPLED_RECOMPUTE, 0, positions.length, Sampling.describe(positions.length, count) + " recomputed exactly");
    }
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = TensorAccess.floats(claim.input(1));
    float[] c = TensorAccess.floats(out);
    for (int i : positions) {
      double expected = op.apply(x[i], y[i]);
      if (!Numerics.acceptable(expected, 0, dtype, c[i])) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, positions.length,
            "element " + i + " is " + c[i] + ", expected " + Numerics.show(Numerics.round(expected, dtype), dtype)
                + " (" + x[i] + " " + op.name().toLowerCase(Locale.ROOT) + " " + y[i] + ")");
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, positions.length, Sampling.describe(positions.length, count) + " recomputed");
  }
}
