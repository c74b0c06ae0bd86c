package dev.shoal.operators;

import java.util.Objects;

/** The dtype and shape of a tensor without its data: what operators check before computing. */
public record TensorSpec(DType dtype, Shape shape) {

  public TensorSpec {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
  }

  /** Bytes of data such a tensor carries; an IllegalArgumentException if that overflows a long. */
  public long byteSize() {
    try {
      return Math.multiplyExact(shape.elementCount(), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(this + " has more than " + Long.MAX_VALUE + " bytes", e);
    }
  }

  /** Like {@code float32[2, 3]}. */
  @Override
  public String toString() {
    return dtype.wireName() + shape;
  }
}
