package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code tensor.add|sub|mul|div|max|min@1}: element by element over two inputs of identical shape
 * and dtype, without broadcasting.
 *
 * <p>Floats follow IEEE 754: x/0 is ±inf, 0/0 is NaN, and max/min with a NaN operand is NaN (as
 * {@link Math#max}). Float16 is computed in float32 and rounded to half once, which is exact
 * rounding for these operations. Int32 wraps on overflow like Java {@code int}, division truncates
 * toward zero ({@code MIN_VALUE / -1} wraps to {@code MIN_VALUE}), and division by zero fails the
 * whole operation (EXECUTION) naming the first zero divisor.
 */
final class ElementwiseBinary extends BaseOperator {

  enum Op {
    ADD,
    SUB,
    MUL,
    DIV,
    MAX,
    MIN
  }

  private final Op op;

  ElementwiseBinary(Op op) {
    super("tensor." + op.name().toLowerCase(Locale.ROOT), 2);
    this.op = op;
  }

  @Override
  List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes) {
    TensorSpec a = inputs.get(0);
    TensorSpec b = inputs.get(1);
    requireSameDType(a, b);
    if (!a.shape().equals(b.shape())) {
      throw bad("shapes differ: " + a.shape() + " vs " + b.shape());
    }
    return List.of(output(a.dtype(), a.shape().dims()));
  }

  @Override
  List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    TensorSpec out = outputs.getFirst();
    Tensor a = inputs.get(0);
    Tensor b = inputs.get(1);
    if (out.dtype() == DType.INT32) {
      return List.of(TensorAccess.adoptInts(out.shape(), ints(TensorAccess.ints(a), TensorAccess.ints(b), out.shape())));
    }
    return List.of(TensorAccess.adoptFloats(out.dtype(), out.shape(), floats(TensorAccess.floats(a), TensorAccess.floats(b))));
  }

  // One loop per operation, rather than a function called per element, keeps each loop tight.

  private float[] floats(float[] x, float[] y) {
    float[] c = new float[x.length];
    switch (op) {
      case ADD -> { for (int i = 0; i < c.length; i++) c[i] = x[i] + y[i]; }
      case SUB -> { for (int i = 0; i < c.length; i++) c[i] = x[i] - y[i]; }
      case MUL -> { for (int i = 0; i < c.length; i++) c[i] = x[i] * y[i]; }
      case DIV -> { for (int i = 0; i < c.length; i++) c[i] = x[i] / y[i]; }
      case MAX -> { for (int i = 0; i < c.length; i++) c[i] = Math.max(x[i], y[i]); }
      case MIN -> { for (int i = 0; i < c.length; i++) c[i] = Math.min(x[i], y[i]); }
    }
    return c;
  }

  private int[] ints(int[] x, int[] y, Shape shape) {
    int[] c = new int[x.length];
    switch (op) {
      case ADD -> { for (int i = 0; i < c.length; i++) c[i] = x[i] + y[i]; }
      case SUB -> { for (int i = 0; i < c.length; i++) c[i] = x[i] - y[i]; }
      case MUL -> { for (int i = 0; i < c.length; i++) c[i] = x[i] * y[i]; }
      case DIV -> {
        for (int i = 0; i < c.length; i++) {
          if (y[i] == 0) {
            throw failed("int32 division by zero at index " + i + " " + Arrays.toString(coordinates(i, shape)));
          }
          c[i] = x[i] / y[i];
        }
      }
      case MAX -> { for (int i = 0; i < c.length; i++) c[i] = Math.max(x[i], y[i]); }
      case MIN -> { for (int i = 0; i < c.length; i++) c[i] = Math.min(x[i], y[i]); }
    }
    return c;
  }

  private static int[] coordinates(int flatIndex, Shape shape) {
    int[] dims = shape.dims();
    int[] coords = new int[dims.length];
    for (int d = dims.length - 1; d >= 0; d--) {
      coords[d] = flatIndex % dims[d];
      flatIndex /= dims[d];
    }
    return coords;
  }
}
