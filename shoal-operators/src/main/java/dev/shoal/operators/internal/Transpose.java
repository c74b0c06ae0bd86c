package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.Arrays;
import java.util.List;

/**
 * {@code tensor.transpose@1}: permutes the dimensions of one input of any rank and dtype. The
 * required attribute {@code perm} lists, for each output axis, the input axis it comes from (as in
 * numpy), so output dim i is input dim perm[i]; it must be a permutation of 0..rank-1.
 */
final class Transpose extends BaseOperator {

  Transpose() {
    super("tensor.transpose", 1, "perm");
  }

  @Override
  List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes) {
    TensorSpec a = inputs.getFirst();
    int[] perm = perm(a.shape(), attributes);
    int[] out = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      out[i] = a.shape().dim(perm[i]);
    }
    return List.of(output(a.dtype(), out));
  }

  private int[] perm(Shape shape, Attributes attributes) {
    long[] perm = intsAttribute(attributes, "perm");
    int rank = shape.rank();
    if (perm.length != rank) {
      throw bad("perm has " + perm.length + " entries, the input has rank " + rank + ": " + Arrays.toString(perm) + " for " + shape);
    }
    boolean[] seen = new boolean[rank];
    int[] p = new int[rank];
    for (int i = 0; i < rank; i++) {
      if (perm[i] < 0 || perm[i] >= rank || seen[(int) perm[i]]) {
        throw bad("perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
      }
      p[i] = (int) perm[i];
      seen[p[i]] = true;
    }
    return p;
  }

  @Override
  List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    TensorSpec out = outputs.getFirst();
    Tensor a = inputs.getFirst();
    int[] perm = perm(a.shape(), attributes);
    int n = (int) out.shape().elementCount();
    if (a.dtype() == DType.INT32) {
      int[] x = TensorAccess.ints(a);
      int[] c = new int[n];
      walk(a.shape().dims(), perm, n, (to, from, length, stride) -> {
        for (int j = 0; j < length; j++) {
          c[to + j] = x[from + j * stride];
        }
      });
      return List.of(TensorAccess.adoptInts(out.shape(), c));
    }
    float[] x = TensorAccess.floats(a);
    float[] c = new float[n];
    walk(a.shape().dims(), perm, n, (to, from, length, stride) -> {
      for (int j = 0; j < length; j++) {
        c[to + j] = x[from + j * stride];
      }
    });
    return List.of(TensorAccess.adoptFloats(out.dtype(), out.shape(), c));
  }

  /** Copies {@code length} elements to output offset {@code to} from input offsets {@code from + j·stride}. */
  private interface Run {
    void copy(int to, int from, int length, int stride);
  }

  /**
   * Walks the output in row-major order, one run along its last axis at a time, with an odometer
   * over the other axes that keeps the matching input offset up to date incrementally.
   */
  private static void walk(int[] inDims, int[] perm, int n, Run run) {
    int rank = perm.length;
    if (n == 0) {
      return;
    }
    if (rank == 0) {
      run.copy(0, 0, 1, 0);
      return;
    }
    int[] inStrides = new int[rank];
    for (int d = rank - 1, s = 1; d >= 0; d--) {
      inStrides[d] = s;
      s *= inDims[d];
    }
    int[] outDims = new int[rank];
    int[] strides = new int[rank]; // the input stride of each output axis
    for (int d = 0; d < rank; d++) {
      outDims[d] = inDims[perm[d]];
      strides[d] = inStrides[perm[d]];
    }
    int length = outDims[rank - 1];
    int[] coord = new int[rank];
    int offset = 0;
    for (int o = 0; o < n; o += length) {
      run.copy(o, offset, length, strides[rank - 1]);
      for (int d = rank - 2; d >= 0; d--) {
        offset += strides[d];
        if (++coord[d] < outDims[d]) {
          break;
        }
        offset -= strides[d] * outDims[d];
        coord[d] = 0;
      }
    }
  }
}
