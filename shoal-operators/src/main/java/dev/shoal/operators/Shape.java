package dev.shoal.operators;

import java.util.Arrays;

/** Immutable tensor dimensions, row-major. Rank 0 (no dimensions) is a scalar with one element. */
public final class Shape {

  public static final int MAX_RANK = 8;

  private final int[] dims;
  private final long elementCount;

  private Shape(int[] dims) {
    if (dims.length > MAX_RANK) {
      throw new IllegalArgumentException("rank " + dims.length + " exceeds " + MAX_RANK);
    }
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension " + d + " in " + Arrays.toString(dims));
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has too many elements", e);
      }
    }
    this.dims = dims;
    this.elementCount = n;
  }

  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int axis) {
    return dims[axis];
  }

  public int[] dims() {
    return dims.clone();
  }

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

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
