package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.internal.TensorAccess;

/**
 * Elements of one output that a check examines, each with its flat position: every element of a
 * tensor in memory (read in place, not copied), or the elements at sampled positions, gathered
 * from memory or read from an {@link OutputElements}. Every check is written once against this,
 * so a result in memory and one held by reference are judged by the same arithmetic. Values are
 * floats for float32 and float16, ints for int32; the arrays are never modified.
 */
final class Elements {

  private final DType dtype;
  private final long total;
  /** Null: every element, element s at position s. */
  private final int[] positions;
  private final float[] floats;
  private final int[] ints;

  private Elements(DType dtype, long total, int[] positions, float[] floats, int[] ints) {
    this.dtype = dtype;
    this.total = total;
    this.positions = positions;
    this.floats = floats;
    this.ints = ints;
  }

  /** Every element of {@code t}, in place. */
  static Elements all(Tensor t) {
    return new Elements(t.dtype(), t.elementCount(), null, TensorAccess.floats(t), TensorAccess.ints(t));
  }

  /** The elements of {@code t} at {@code positions}, copied out in that order. */
  static Elements at(Tensor t, int[] positions) {
    int[] where = positions.clone();
    if (t.dtype() == DType.INT32) {
      int[] from = TensorAccess.ints(t);
      int[] v = new int[where.length];
      for (int s = 0; s < where.length; s++) {
        v[s] = from[where[s]];
      }
      return new Elements(t.dtype(), t.elementCount(), where, null, v);
    }
    float[] from = TensorAccess.floats(t);
    float[] v = new float[where.length];
    for (int s = 0; s < where.length; s++) {
      v[s] = from[where[s]];
    }
    return new Elements(t.dtype(), t.elementCount(), where, v, null);
  }

  /**
   * The elements at {@code positions}, read from {@code source}.
   *
   * @throws IllegalStateException if the source answers with other than one element of its dtype
   *     per position: a broken source, not a wrong result
   */
  static Elements read(OutputElements source, int[] positions) {
    TensorSpec spec = source.spec();
    int[] where = positions.clone();
    if (where.length == 0) {
      // Nothing to read (an empty output): do not bother the source.
      return spec.dtype() == DType.INT32
          ? new Elements(spec.dtype(), spec.shape().elementCount(), where, null, new int[0])
          : new Elements(spec.dtype(), spec.shape().elementCount(), where, new float[0], null);
    }
    Tensor got = source.read(positions.clone());
    if (got == null || got.dtype() != spec.dtype() || got.shape().rank() != 1 || got.elementCount() != where.length) {
      throw new IllegalStateException(
          source + " answered " + (got == null ? "null" : got.spec()) + " for " + where.length + " positions of a " + spec + " output");
    }
    return new Elements(spec.dtype(), spec.shape().elementCount(), where, TensorAccess.floats(got), TensorAccess.ints(got));
  }

  DType dtype() {
    return dtype;
  }

  /** How many elements are here. */
  int size() {
    return positions != null ? positions.length : (int) total;
  }

  /** Whether these are every element of the tensor, in order. */
  boolean isAll() {
    return positions == null;
  }

  /** The flat position in the tensor of element {@code s} here. */
  int position(int s) {
    return positions == null ? s : positions[s];
  }

  /** The values of a float32 or float16 tensor, element s at index s; null for int32. */
  float[] floats() {
    return floats;
  }

  /** The values of an int32 tensor, element s at index s; null for other dtypes. */
  int[] ints() {
    return ints;
  }

  /** Element {@code s} for a message: floats print as the floats they are. */
  String show(int s) {
    return ints != null ? String.valueOf(ints[s]) : String.valueOf(floats[s]);
  }

  /** For a passing check's detail: "all 12 elements" or "32 of 4096 elements (drawn with replacement)". */
  String describe() {
    return Sampling.describe(size(), (int) Math.min(Integer.MAX_VALUE, total));
  }

  /**
   * For a passing invariants check: {@link #describe()}, saying too when the invariants were held
   * to a sample only.
   */
  String describeInvariantScope() {
    return isAll() ? describe() : describe() + ", a sample: the output is held by reference, so only sampled elements are read";
  }

  /** These values as a 1-D tensor, one element per position. */
  Tensor toTensor() {
    Shape shape = Shape.of(size());
    return ints != null ? TensorAccess.adoptInts(shape, ints.clone()) : TensorAccess.adoptFloats(dtype, shape, floats.clone());
  }
}
