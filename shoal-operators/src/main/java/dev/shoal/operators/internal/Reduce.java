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
 * {@code tensor.reduce_sum|reduce_mean|reduce_max@1}: reduces one input over the axis given by the
 * required integer attribute {@code axis} (negative counts from the end, as in numpy), dropping
 * that axis from the shape; a rank-1 input gives a rank-0 (one element) output.
 *
 * <p>Float sums accumulate in double and round once to the output dtype. Int32 sums wrap like Java
 * {@code int}. Mean is floating-point only. Over an empty axis the sum is 0, the mean NaN, and the
 * max is refused. The max of values that include NaN is NaN.
 */
final class Reduce extends BaseOperator {

  enum Op {
    SUM,
    MEAN,
    MAX
  }

  private final Op op;

  Reduce(Op op) {
    super("tensor.reduce_" + op.name().toLowerCase(Locale.ROOT), 1, "axis");
    this.op = op;
  }

  @Override
  List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes) {
    TensorSpec a = inputs.getFirst();
    if (op == Op.MEAN) {
      requireFloating(a);
    }
    int axis = axis(a.shape(), attributes);
    if (op == Op.MAX && a.shape().dim(axis) == 0) {
      throw bad("empty axis " + axis + " of " + a.shape() + " has no maximum");
    }
    int[] dims = a.shape().dims();
    int[] out = new int[dims.length - 1];
    System.arraycopy(dims, 0, out, 0, axis);
    System.arraycopy(dims, axis + 1, out, axis, dims.length - axis - 1);
    return List.of(output(a.dtype(), out));
  }

  private int axis(Shape shape, Attributes attributes) {
    long axis = longAttribute(attributes, "axis");
    int rank = shape.rank();
    if (axis < -rank || axis >= rank) {
      throw bad("axis " + axis + " is out of range for rank " + rank + " input " + shape
          + (rank == 0 ? " (it has no axis to reduce)" : " (allowed " + -rank + ".." + (rank - 1) + ")"));
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  @Override
  List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    TensorSpec out = outputs.getFirst();
    Tensor a = inputs.getFirst();
    int[] dims = a.shape().dims();
    int axis = axis(a.shape(), attributes);
    // View the input as [outer, len, inner]; the output is [outer, inner].
    int outer = product(dims, 0, axis);
    int len = dims[axis];
    int inner = product(dims, axis + 1, dims.length);
    if (out.dtype() == DType.INT32) {
      return List.of(TensorAccess.adoptInts(out.shape(), ints(TensorAccess.ints(a), outer, len, inner)));
    }
    return List.of(TensorAccess.adoptFloats(out.dtype(), out.shape(), floats(TensorAccess.floats(a), out.dtype(), outer, len, inner)));
  }

  // Each loop walks a whole inner row at a time, so memory is read sequentially whatever the axis.

  private float[] floats(float[] x, DType dtype, int outer, int len, int inner) {
    float[] c = new float[outer * inner];
    double[] acc = new double[inner];
    for (int o = 0; o < outer; o++) {
      checkInterrupted();
      int base = o * len * inner;
      int from = 0;
      if (op == Op.MAX) {
        for (int j = 0; j < inner; j++) {
          acc[j] = x[base + j];
        }
        from = 1;
      } else {
        Arrays.fill(acc, 0);
      }
      for (int l = from; l < len; l++) {
        int row = base + l * inner;
        if (op == Op.MAX) {
          for (int j = 0; j < inner; j++) {
            acc[j] = Math.max(acc[j], x[row + j]);
          }
        } else {
          for (int j = 0; j < inner; j++) {
            acc[j] += x[row + j];
          }
        }
      }
      for (int j = 0; j < inner; j++) {
        // The mean of an empty axis is 0/0: NaN.
        double v = op == Op.MEAN ? acc[j] / len : acc[j];
        c[o * inner + j] = dtype == DType.FLOAT16 ? Half.round(v) : (float) v;
      }
    }
    return c;
  }

  private int[] ints(int[] x, int outer, int len, int inner) {
    int[] c = new int[outer * inner];
    for (int o = 0; o < outer; o++) {
      checkInterrupted();
      int base = o * len * inner;
      int dst = o * inner;
      if (op == Op.MAX) {
        System.arraycopy(x, base, c, dst, inner);
      }
      for (int l = op == Op.MAX ? 1 : 0; l < len; l++) {
        int row = base + l * inner;
        if (op == Op.MAX) {
          for (int j = 0; j < inner; j++) {
            c[dst + j] = Math.max(c[dst + j], x[row + j]);
          }
        } else {
          for (int j = 0; j < inner; j++) {
            c[dst + j] += x[row + j];
          }
        }
      }
    }
    return c;
  }

  private static int product(int[] dims, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= dims[i];
    }
    return p;
  }
}
