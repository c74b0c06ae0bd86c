package dev.shoal.operators;

/** The dtype and shape of a tensor, without its data: what operators check before computing. */
public record TensorSpec(DType dtype, Shape shape) {

  /** Bytes of data such a tensor carries. */
  public long byteSize() {
    return shape.elementCount() * dtype.byteSize();
  }

  @Override
  public String toString() {
    return dtype.wireName() + shape;
  }
}
