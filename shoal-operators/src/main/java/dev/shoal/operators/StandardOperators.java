package dev.shoal.operators;

import static dev.shoal.operators.OperatorException.Kind.BAD_INPUT;
import static dev.shoal.operators.OperatorException.Kind.EXECUTION;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** Operator set v1. Package-private: reach them through {@link OperatorRegistry#standard()}. */
final class StandardOperators {

  /** Largest output a single operator may produce. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private StandardOperators() {}

  static List<Operator> all() {
    return List.of(
        new Noop(),
        new Matmul(),
        new Binary("add", Double::sum, (a, b) -> a + b),
        new Binary("sub", (a, b) -> a - b, (a, b) -> a - b),
        new Binary("mul", (a, b) -> a * b, (a, b) -> a * b),
        new Binary("div", (a, b) -> a / b, null),
        new Binary("max", Math::max, Math::max),
        new Binary("min", Math::min, Math::min),
        new Reduce("reduce_sum"),
        new Reduce("reduce_mean"),
        new Reduce("reduce_max"),
        new Unary("relu", x -> x > 0 ? x : (Double.isNaN(x) ? x : 0), true),
        new Unary("tanh", Math::tanh, false),
        new Unary("sigmoid", x -> 1 / (1 + Math.exp(-x)), false),
        new Unary("exp", Math::exp, false),
        new Unary("log", Math::log, false),
        new Transpose());
  }

  /** Shared checks and helpers; each operator states its own name in every error. */
  private abstract static class Base implements Operator {
    private final OperatorId id;

    Base(String name) {
      this.id = new OperatorId(name, 1);
    }

    @Override
    public OperatorId id() {
      return id;
    }

    OperatorException bad(String message) {
      return new OperatorException(BAD_INPUT, id + ": " + message);
    }

    void arity(List<?> inputs, int n) {
      if (inputs.size() != n) {
        throw bad("takes " + n + " input" + (n == 1 ? "" : "s") + ", got " + inputs.size());
      }
    }

    TensorSpec out(DType dtype, Shape shape) {
      if (shape.elementCount() > MAX_ELEMENTS) {
        throw bad("output " + shape + " has more than " + MAX_ELEMENTS + " elements");
      }
      return new TensorSpec(dtype, shape);
    }

    /** Long loops give up when their thread is interrupted (a timeout or a cancel). */
    void checkInterrupted() {
      if (Thread.currentThread().isInterrupted()) {
        throw new OperatorException(EXECUTION, id + ": interrupted");
      }
    }

    static List<TensorSpec> specs(List<Tensor> inputs) {
      return inputs.stream().map(Tensor::spec).toList();
    }
  }

  /** {@code shoal.noop@1}: any inputs, no outputs. For measuring the mesh itself. */
  static final class Noop extends Base {
    Noop() {
      super("shoal.noop");
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      return List.of();
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      return List.of();
    }

    @Override
    public boolean isCheap() {
      return true;
    }
  }

  /**
   * {@code tensor.matmul@1}: [m,k]·[k,n] → [m,n]. Float16 accumulates in float32 and rounds once;
   * int32 wraps like Java int arithmetic. The i-k-j loop order keeps the inner loop sequential.
   */
  static final class Matmul extends Base {
    Matmul() {
      super("tensor.matmul");
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      arity(inputs, 2);
      TensorSpec a = inputs.get(0);
      TensorSpec b = inputs.get(1);
      if (a.shape().rank() != 2 || b.shape().rank() != 2) {
        throw bad("needs two 2-D inputs, got " + a.shape() + " and " + b.shape());
      }
      if (a.dtype() != b.dtype()) {
        throw bad("dtypes differ: " + a.dtype().wireName() + " vs " + b.dtype().wireName());
      }
      if (a.shape().dim(1) != b.shape().dim(0)) {
        throw bad("inner dimensions differ: " + a.shape() + " · " + b.shape());
      }
      return List.of(out(a.dtype(), Shape.of(a.shape().dim(0), b.shape().dim(1))));
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      TensorSpec spec = outputSpecs(specs(inputs), attributes).getFirst();
      Tensor a = inputs.get(0);
      Tensor b = inputs.get(1);
      int m = a.shape().dim(0);
      int k = a.shape().dim(1);
      int n = b.shape().dim(1);
      if (spec.dtype() == DType.INT32) {
        int[] x = a.ints();
        int[] y = b.ints();
        int[] c = new int[m * n];
        for (int i = 0; i < m; i++) {
          checkInterrupted();
          int row = i * n;
          for (int p = 0; p < k; p++) {
            int av = x[i * k + p];
            int brow = p * n;
            for (int j = 0; j < n; j++) {
              c[row + j] += av * y[brow + j];
            }
          }
        }
        return List.of(Tensor.adoptInts(spec.shape(), c));
      }
      float[] x = a.floats();
      float[] y = b.floats();
      float[] c = new float[m * n];
      for (int i = 0; i < m; i++) {
        checkInterrupted();
        int row = i * n;
        for (int p = 0; p < k; p++) {
          float av = x[i * k + p];
          int brow = p * n;
          for (int j = 0; j < n; j++) {
            c[row + j] += av * y[brow + j];
          }
        }
      }
      return List.of(Tensor.adoptFloats(spec.dtype(), spec.shape(), c));
    }
  }

  /** Element-wise binary operators over identical shapes and dtypes; no broadcasting. */
  static final class Binary extends Base {
    interface IntOp {
      int apply(int a, int b);
    }

    interface FloatOp {
      double apply(double a, double b);
    }

    private final FloatOp floatOp;
    private final IntOp intOp;

    /** {@code intOp} null means division, which needs its own zero check. */
    Binary(String name, FloatOp floatOp, IntOp intOp) {
      super("tensor." + name);
      this.floatOp = floatOp;
      this.intOp = intOp;
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      arity(inputs, 2);
      TensorSpec a = inputs.get(0);
      TensorSpec b = inputs.get(1);
      if (a.dtype() != b.dtype()) {
        throw bad("dtypes differ: " + a.dtype().wireName() + " vs " + b.dtype().wireName());
      }
      if (!a.shape().equals(b.shape())) {
        throw bad("shapes differ: " + a.shape() + " vs " + b.shape());
      }
      return List.of(out(a.dtype(), a.shape()));
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      TensorSpec spec = outputSpecs(specs(inputs), attributes).getFirst();
      Tensor a = inputs.get(0);
      Tensor b = inputs.get(1);
      int n = (int) spec.shape().elementCount();
      if (spec.dtype() == DType.INT32) {
        int[] x = a.ints();
        int[] y = b.ints();
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
          if (intOp == null) {
            if (y[i] == 0) {
              throw new OperatorException(EXECUTION, id() + ": int32 division by zero at index " + i);
            }
            c[i] = x[i] / y[i];
          } else {
            c[i] = intOp.apply(x[i], y[i]);
          }
        }
        return List.of(Tensor.adoptInts(spec.shape(), c));
      }
      float[] x = a.floats();
      float[] y = b.floats();
      float[] c = new float[n];
      for (int i = 0; i < n; i++) {
        c[i] = (float) floatOp.apply(x[i], y[i]);
      }
      return List.of(Tensor.adoptFloats(spec.dtype(), spec.shape(), c));
    }
  }

  /** Element-wise unary operators. Only relu accepts int32. */
  static final class Unary extends Base {
    private final DoubleUnaryOperator f;
    private final boolean allowsInt;

    Unary(String name, DoubleUnaryOperator f, boolean allowsInt) {
      super("tensor." + name);
      this.f = f;
      this.allowsInt = allowsInt;
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      arity(inputs, 1);
      TensorSpec a = inputs.getFirst();
      if (!allowsInt && !a.dtype().isFloating()) {
        throw bad("needs a floating-point input, got " + a.dtype().wireName());
      }
      return List.of(out(a.dtype(), a.shape()));
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      TensorSpec spec = outputSpecs(specs(inputs), attributes).getFirst();
      Tensor a = inputs.getFirst();
      int n = (int) spec.shape().elementCount();
      if (spec.dtype() == DType.INT32) {
        int[] x = a.ints();
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
          c[i] = Math.max(0, x[i]);
        }
        return List.of(Tensor.adoptInts(spec.shape(), c));
      }
      float[] x = a.floats();
      float[] c = new float[n];
      for (int i = 0; i < n; i++) {
        c[i] = (float) f.applyAsDouble(x[i]);
      }
      return List.of(Tensor.adoptFloats(spec.dtype(), spec.shape(), c));
    }
  }

  /**
   * Reductions over one axis (attribute {@code axis}, negative counts from the end). The axis is
   * dropped from the shape. Float sums accumulate in double. Over an empty axis: sum is 0, mean
   * is NaN (float only), max is refused.
   */
  static final class Reduce extends Base {
    private final String kind;

    Reduce(String kind) {
      super("tensor." + kind);
      this.kind = kind;
    }

    private int axis(TensorSpec a, Attributes attributes) {
      long axis;
      try {
        axis = attributes.getLong("axis");
      } catch (OperatorException e) {
        throw bad(e.getMessage());
      }
      int rank = a.shape().rank();
      if (axis < -rank || axis >= rank) {
        throw bad("axis " + axis + " is out of range for rank " + rank);
      }
      return (int) (axis < 0 ? axis + rank : axis);
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      arity(inputs, 1);
      TensorSpec a = inputs.getFirst();
      int axis = axis(a, attributes);
      if (kind.equals("reduce_mean") && !a.dtype().isFloating()) {
        throw bad("mean needs a floating-point input, got " + a.dtype().wireName());
      }
      if (kind.equals("reduce_max") && a.shape().dim(axis) == 0) {
        throw bad("empty axis " + axis + " has no maximum");
      }
      int[] dims = a.shape().dims();
      int[] out = new int[dims.length - 1];
      for (int i = 0, j = 0; i < dims.length; i++) {
        if (i != axis) {
          out[j++] = dims[i];
        }
      }
      return List.of(out(a.dtype(), Shape.of(out)));
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      TensorSpec spec = outputSpecs(specs(inputs), attributes).getFirst();
      Tensor a = inputs.getFirst();
      int axis = axis(a.spec(), attributes);
      int[] dims = a.shape().dims();
      int outer = 1;
      for (int i = 0; i < axis; i++) {
        outer *= dims[i];
      }
      int len = dims[axis];
      int inner = 1;
      for (int i = axis + 1; i < dims.length; i++) {
        inner *= dims[i];
      }
      int n = outer * inner;
      if (a.dtype() == DType.INT32) {
        int[] x = a.ints();
        int[] c = new int[n];
        for (int o = 0; o < outer; o++) {
          for (int in = 0; in < inner; in++) {
            int acc = kind.equals("reduce_max") ? Integer.MIN_VALUE : 0;
            for (int l = 0; l < len; l++) {
              int v = x[(o * len + l) * inner + in];
              acc = kind.equals("reduce_max") ? Math.max(acc, v) : acc + v;
            }
            c[o * inner + in] = acc;
          }
        }
        return List.of(Tensor.adoptInts(spec.shape(), c));
      }
      float[] x = a.floats();
      float[] c = new float[n];
      for (int o = 0; o < outer; o++) {
        for (int in = 0; in < inner; in++) {
          double acc = kind.equals("reduce_max") ? Double.NEGATIVE_INFINITY : 0;
          boolean nan = false;
          for (int l = 0; l < len; l++) {
            double v = x[(o * len + l) * inner + in];
            if (kind.equals("reduce_max")) {
              nan |= Double.isNaN(v);
              acc = Math.max(acc, v);
            } else {
              acc += v;
            }
          }
          if (kind.equals("reduce_mean")) {
            acc = len == 0 ? Double.NaN : acc / len;
          }
          c[o * inner + in] = nan ? Float.NaN : (float) acc;
        }
      }
      return List.of(Tensor.adoptFloats(spec.dtype(), spec.shape(), c));
    }
  }

  /** {@code tensor.transpose@1}: permutes dimensions by attribute {@code perm}. */
  static final class Transpose extends Base {
    Transpose() {
      super("tensor.transpose");
    }

    private int[] perm(TensorSpec a, Attributes attributes) {
      long[] perm;
      try {
        perm = attributes.getInts("perm");
      } catch (OperatorException e) {
        throw bad(e.getMessage());
      }
      int rank = a.shape().rank();
      if (perm.length != rank) {
        throw bad("perm has " + perm.length + " entries, the input has rank " + rank);
      }
      boolean[] seen = new boolean[rank];
      int[] p = new int[rank];
      for (int i = 0; i < rank; i++) {
        if (perm[i] < 0 || perm[i] >= rank || seen[(int) perm[i]]) {
          throw bad("perm " + java.util.Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
        }
        seen[(int) perm[i]] = true;
        p[i] = (int) perm[i];
      }
      return p;
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      arity(inputs, 1);
      TensorSpec a = inputs.getFirst();
      int[] p = perm(a, attributes);
      int[] out = new int[p.length];
      for (int i = 0; i < p.length; i++) {
        out[i] = a.shape().dim(p[i]);
      }
      return List.of(out(a.dtype(), Shape.of(out)));
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      TensorSpec spec = outputSpecs(specs(inputs), attributes).getFirst();
      Tensor a = inputs.getFirst();
      int[] p = perm(a.spec(), attributes);
      int rank = p.length;
      int[] inDims = a.shape().dims();
      int[] inStrides = new int[rank];
      for (int i = rank - 1, s = 1; i >= 0; i--) {
        inStrides[i] = s;
        s *= inDims[i];
      }
      int[] outDims = spec.shape().dims();
      int n = (int) spec.shape().elementCount();
      // For each output index, walk its coordinates and map them back through the permutation.
      int[] src = new int[n];
      int[] coord = new int[rank];
      for (int o = 0; o < n; o++) {
        int offset = 0;
        for (int d = 0; d < rank; d++) {
          offset += coord[d] * inStrides[p[d]];
        }
        src[o] = offset;
        for (int d = rank - 1; d >= 0; d--) {
          if (++coord[d] < outDims[d]) {
            break;
          }
          coord[d] = 0;
        }
      }
      if (a.dtype() == DType.INT32) {
        int[] x = a.ints();
        int[] c = new int[n];
        for (int o = 0; o < n; o++) {
          c[o] = x[src[o]];
        }
        return List.of(Tensor.adoptInts(spec.shape(), c));
      }
      float[] x = a.floats();
      float[] c = new float[n];
      for (int o = 0; o < n; o++) {
        c[o] = x[src[o]];
      }
      return List.of(Tensor.adoptFloats(spec.dtype(), spec.shape(), c));
    }
  }
}
