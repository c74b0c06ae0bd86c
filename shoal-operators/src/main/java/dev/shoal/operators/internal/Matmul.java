package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.List;

/**
 * {@code tensor.matmul@1}: [m,k]·[k,n] → [m,n] for two inputs of the same dtype. Float32
 * accumulates in float32; float16 accumulates in float32 too and rounds to half once at the end;
 * int32 wraps on overflow exactly like Java {@code int} arithmetic. With k = 0 the result is zeros.
 */
final class Matmul extends BaseOperator {

  Matmul() {
    super("tensor.matmul", 2);
  }

  @Override
  List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes) {
    TensorSpec a = inputs.get(0);
    TensorSpec b = inputs.get(1);
    if (a.shape().rank() != 2 || b.shape().rank() != 2) {
      throw bad("needs two 2-D inputs, got " + a.shape() + " and " + b.shape());
    }
    requireSameDType(a, b);
    if (a.shape().dim(1) != b.shape().dim(0)) {
      throw bad("inner dimensions differ: " + a.shape() + " · " + b.shape());
    }
    return List.of(output(a.dtype(), a.shape().dim(0), b.shape().dim(1)));
  }

  @Override
  List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    TensorSpec out = outputs.getFirst();
    Tensor a = inputs.get(0);
    Tensor b = inputs.get(1);
    int m = a.shape().dim(0);
    int k = a.shape().dim(1);
    int n = b.shape().dim(1);
    if (out.dtype() == DType.INT32) {
      return List.of(TensorAccess.adoptInts(out.shape(), multiply(TensorAccess.ints(a), TensorAccess.ints(b), m, k, n)));
    }
    return List.of(TensorAccess.adoptFloats(out.dtype(), out.shape(), multiply(TensorAccess.floats(a), TensorAccess.floats(b), m, k, n)));
  }

  // i-k-j order: the inner loop walks a row of b and a row of c sequentially, which the JIT vectorizes.

  private float[] multiply(float[] a, float[] b, int m, int k, int n) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      checkInterrupted();
      int ci = i * n;
      for (int p = 0; p < k; p++) {
        float aip = a[i * k + p];
        int bp = p * n;
        for (int j = 0; j < n; j++) {
          c[ci + j] += aip * b[bp + j];
        }
      }
    }
    return c;
  }

  private int[] multiply(int[] a, int[] b, int m, int k, int n) {
    int[] c = new int[m * n];
    for (int i = 0; i < m; i++) {
      checkInterrupted();
      int ci = i * n;
      for (int p = 0; p < k; p++) {
        int aip = a[i * k + p];
        int bp = p * n;
        for (int j = 0; j < n; j++) {
          c[ci + j] += aip * b[bp + j];
        }
      }
    }
    return c;
  }
}
