package dev.shoal.operators;

import java.util.Arrays;

/** Immutable tensor dimensions, row-major; rank 0 (no dimensions) is a scalar with one element. */
public final class Shape {

  /** The largest rank a shape may have. */
  public static final int MAX_RANK = 8;

  private final int[] dims;
  private final long elementCount;

  private Shape(int[] dims) {
    if (dims.length > MAX_RANK) {
      throw new IllegalArgumentException("rank " + dims.length + " exceeds the maximum of " + MAX_RANK);
    }
    boolean empty = false;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension " + d + " in " + Arrays.toString(dims));
      }
      empty |= d == 0;
    }
    // A zero anywhere makes the shape empty, however large the other dimensions are.
    long n = empty ? 0 : 1;
    for (int i = 0; i < dims.length && !empty; i++) {
      try {
        n = Math.multiplyExact(n, dims[i]);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than " + Long.MAX_VALUE + " elements", e);
      }
    }
    this.dims = dims;
    this.elementCount = n;
  }

  /** A shape with these dimensions (copied); rejects negative dimensions and rank above {@value #MAX_RANK}. */
  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int axis) {
    if (axis < 0 || axis >= dims.length) {
      throw new IndexOutOfBoundsException("axis " + axis + " is outside rank " + dims.length + " shape " + this);
    }
    return dims[axis];
  }

  /** A copy of the dimensions. */
  public int[] dims() {
    return dims.clone();
  }

  /** The product of the dimensions: 1 for rank 0, 0 if any dimension is 0. */
  public long elementCount() {
    return elementCount;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Like {@code [2, 3]}; a scalar is {@code []}. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
