package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.List;
import java.util.Locale;

/**
 * {@code tensor.relu|tanh|sigmoid|exp|log@1}: element by element over one input. Relu takes every
 * dtype (relu(NaN) is NaN, relu(-0.0) is 0.0); the others are floating-point only. They compute in
 * double and round once to the output dtype, so log(x < 0) is NaN and log(0) is -inf as in IEEE 754.
 */
final class ElementwiseUnary extends BaseOperator {

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
        // 1/(1+e^-x) saturates cleanly: e^-x overflows to inf for very negative x, giving 0.
        case SIGMOID -> 1 / (1 + Math.exp(-x));
        case EXP -> Math.exp(x);
        case LOG -> Math.log(x);
      };
    }
  }

  private final Op op;

  ElementwiseUnary(Op op) {
    super("tensor." + op.name().toLowerCase(Locale.ROOT), 1);
    this.op = op;
  }

  @Override
  List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes) {
    TensorSpec a = inputs.getFirst();
    if (op != Op.RELU) {
      requireFloating(a);
    }
    return List.of(output(a.dtype(), a.shape().dims()));
  }

  @Override
  List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    TensorSpec out = outputs.getFirst();
    Tensor a = inputs.getFirst();
    if (out.dtype() == DType.INT32) {
      int[] x = TensorAccess.ints(a);
      int[] c = new int[x.length];
      for (int i = 0; i < c.length; i++) {
        c[i] = Math.max(0, x[i]);
      }
      return List.of(TensorAccess.adoptInts(out.shape(), c));
    }
    float[] x = TensorAccess.floats(a);
    float[] c = new float[x.length];
    if (out.dtype() == DType.FLOAT16) {
      for (int i = 0; i < c.length; i++) {
        c[i] = Half.round(op.apply(x[i]));
      }
    } else {
      for (int i = 0; i < c.length; i++) {
        c[i] = (float) op.apply(x[i]);
      }
    }
    return List.of(TensorAccess.adoptFloats(out.dtype(), out.shape(), c));
  }
}
