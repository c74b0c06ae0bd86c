package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.internal.TensorAccess;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code tensor.relu|tanh|sigmoid|exp|log@1}: invariants over every element (over the sample, for
 * an output held by reference), then sampled recomputation. The operators compute in double with
 * {@link Math} and round once; Math's functions may differ by a few ulps between JIT-compiled and
 * interpreted code or between JVMs, so the reference allows 8 double ulps before rounding to the
 * output dtype.
 */
final class ElementwiseUnaryValidator extends OperatorValidator {

  /** Math.tanh is within 2.5 ulps, exp and log within 1; two honest results within twice that. */
  private static final int MATH_ULPS = 8;

  enum Op {
    RELU,
    TANH,
    SIGMOID,
    EXP,
    LOG;

    double apply(double x) {
      return switch (this) {
        case RELU -> x > 0 || Double.isNaN(x) ? x : 0;
        case TANH -> Math.tanh(x);
        case SIGMOID -> 1 / (1 + Math.exp(-x));
        case EXP -> Math.exp(x);
        case LOG -> Math.log(x);
      };
    }

    /**
     * What holds for every honest output element y of input x. Sigmoid accepts the closed
     * interval [0, 1]: mathematically it is open, but float32 rounds sigmoid(x) to exactly 1 from
     * x ≈ 17 and to 0 below x ≈ -104 (float16 much sooner), so honest results reach both ends.
     * Tanh likewise reaches ±1. NaN appears exactly where IEEE puts it.
     */
    boolean holds(float x, float y) {
      return switch (this) {
        case RELU -> Float.isNaN(x) ? Float.isNaN(y) : y >= 0;
        case TANH -> Float.isNaN(x) == Float.isNaN(y) && !(y < -1) && !(y > 1);
        case SIGMOID -> Float.isNaN(x) == Float.isNaN(y) && !(y < 0) && !(y > 1);
        case EXP -> Float.isNaN(x) == Float.isNaN(y) && !(y < 0);
        // log is NaN exactly below 0 (and for NaN), -infinity exactly at ±0, finite or +infinity elsewhere.
        case LOG -> (Float.isNaN(x) || x < 0) == Float.isNaN(y) && (x == 0) == (y == Float.NEGATIVE_INFINITY);
      };
    }

    String invariant() {
      return switch (this) {
        case RELU -> "relu(x) >= 0, NaN only for NaN x";
        case TANH -> "tanh(x) in [-1, 1], NaN only for NaN x";
        case SIGMOID -> "sigmoid(x) in [0, 1], NaN only for NaN x";
        case EXP -> "exp(x) >= 0, NaN only for NaN x";
        case LOG -> "log(x) NaN exactly for NaN or x < 0, -infinity exactly for x = 0";
      };
    }

    String operatorId() {
      return "tensor." + name().toLowerCase(Locale.ROOT) + "@1";
    }
  }

  private final Op op;

  ElementwiseUnaryValidator(Op op) {
    super(op.operatorId());
    this.op = op;
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    return List.of(this::invariants, this::sampled);
  }

  private Check invariants(Claim claim) {
    Elements c = claim.invariantScope();
    int n = c.size();
    if (c.dtype() == DType.INT32) { // relu only
      int[] y = c.ints();
      for (int s = 0; s < n; s++) {
        if (y[s] < 0) {
          return Check.fail(Check.INVARIANTS, 0, n, "element " + c.position(s) + " is " + y[s] + ", but relu(x) >= 0");
        }
      }
      return Check.pass(Check.INVARIANTS, 0, n, "relu(x) >= 0 for " + c.describeInvariantScope());
    }
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = c.floats();
    for (int s = 0; s < n; s++) {
      int i = c.position(s);
      if (!op.holds(x[i], y[s])) {
        return Check.fail(Check.INVARIANTS, 0, n,
            "element " + i + " is " + y[s] + " for input " + x[i] + ", but " + op.invariant());
      }
    }
    return Check.pass(Check.INVARIANTS, 0, n, op.invariant() + ": " + c.describeInvariantScope());
  }

  private Check sampled(Claim claim) {
    Elements c = claim.sample();
    int n = c.size();
    String name = op.name().toLowerCase(Locale.ROOT);
    if (c.dtype() == DType.INT32) {
      int[] x = TensorAccess.ints(claim.input(0));
      int[] y = c.ints();
      for (int s = 0; s < n; s++) {
        int i = c.position(s);
        int expected = Math.max(0, x[i]);
        if (y[s] != expected) {
          return Check.fail(Check.SAMPLED_RECOMPUTE, 0, n,
              "element " + i + " is " + y[s] + ", expected relu(" + x[i] + ") = " + expected);
        }
      }
      return Check.pass(Check.SAMPLED_RECOMPUTE, 0, n, c.describe() + " recomputed exactly");
    }
    DType dtype = c.dtype();
    float[] x = TensorAccess.floats(claim.input(0));
    float[] y = c.floats();
    for (int s = 0; s < n; s++) {
      int i = c.position(s);
      double expected = op.apply(x[i]);
      double allowance = op == Op.RELU || !Double.isFinite(expected) ? 0 : MATH_ULPS * Math.ulp(expected);
      if (!Numerics.acceptable(expected, allowance, dtype, y[s])) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, n,
            "element " + i + " is " + y[s] + ", expected " + name + "(" + x[i] + ") = " + Numerics.show(Numerics.round(expected, dtype), dtype));
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, n, c.describe() + " recomputed");
  }
}
