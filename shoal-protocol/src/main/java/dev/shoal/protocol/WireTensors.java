package dev.shoal.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.IntList;
import dev.shoal.protocol.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/** Converts between wire tensors and attributes and the operators' own types. */
public final class WireTensors {

  private WireTensors() {}

  public static Tensor toWire(dev.shoal.operators.Tensor t) {
    Tensor.Builder b = Tensor.newBuilder().setDtype(toWire(t.dtype()));
    for (int d : t.shape().dims()) {
      b.addShape(d);
    }
    // The byte[] is fresh and never touched again, so wrapping it without a copy is safe.
    return b.setData(UnsafeByteOperations.unsafeWrap(t.toLittleEndianBytes())).build();
  }

  /** Converts a wire tensor that {@link MessageValidator} has already accepted. */
  public static dev.shoal.operators.Tensor fromWire(Tensor t) {
    int[] dims = new int[t.getShapeCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(t.getShape(i));
    }
    ByteBuffer data = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return dev.shoal.operators.Tensor.fromLittleEndian(fromWire(t.getDtype()), Shape.of(dims), data);
  }

  public static dev.shoal.protocol.v1.DType toWire(DType d) {
    return switch (d) {
      case FLOAT32 -> dev.shoal.protocol.v1.DType.DTYPE_FLOAT32;
      case FLOAT16 -> dev.shoal.protocol.v1.DType.DTYPE_FLOAT16;
      case INT32 -> dev.shoal.protocol.v1.DType.DTYPE_INT32;
    };
  }

  public static DType fromWire(dev.shoal.protocol.v1.DType d) {
    return switch (d) {
      case DTYPE_FLOAT32 -> DType.FLOAT32;
      case DTYPE_FLOAT16 -> DType.FLOAT16;
      case DTYPE_INT32 -> DType.INT32;
      case DTYPE_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalArgumentException("tensor dtype is unspecified or unknown: " + d);
    };
  }

  public static Attributes fromWire(Map<String, AttributeValue> attributes) {
    Attributes.Builder b = Attributes.builder();
    attributes.forEach(
        (name, v) -> {
          switch (v.getKindCase()) {
            case INT_VALUE -> b.put(name, v.getIntValue());
            case FLOAT_VALUE -> b.put(name, v.getFloatValue());
            case STRING_VALUE -> b.put(name, v.getStringValue());
            case INTS ->
                b.putInts(name, v.getInts().getValuesList().stream().mapToLong(Long::longValue).toArray());
            case KIND_NOT_SET -> throw new IllegalArgumentException("attribute " + name + " has no value");
          }
        });
    return b.build();
  }

  public static AttributeValue toWire(Object value) {
    return switch (value) {
      case Long l -> AttributeValue.newBuilder().setIntValue(l).build();
      case Integer i -> AttributeValue.newBuilder().setIntValue(i).build();
      case Double d -> AttributeValue.newBuilder().setFloatValue(d).build();
      case String s -> AttributeValue.newBuilder().setStringValue(s).build();
      case long[] ints -> {
        IntList.Builder list = IntList.newBuilder();
        for (long i : ints) {
          list.addValues(i);
        }
        yield AttributeValue.newBuilder().setInts(list).build();
      }
      default -> throw new IllegalArgumentException("not an attribute value: " + value);
    };
  }

  /** Byte size of a tensor's data as the shape and dtype say it must be, or -1 on overflow. */
  static long expectedBytes(Tensor t) {
    return expectedBytes(t.getDtype(), t.getShapeList());
  }

  /** Bytes a row-major tensor of this dtype and shape takes, or -1 if it overflows or the dtype is unknown. */
  public static long expectedBytes(dev.shoal.protocol.v1.DType dtype, List<Long> shape) {
    int size =
        switch (dtype) {
          case DTYPE_FLOAT32, DTYPE_INT32 -> 4;
          case DTYPE_FLOAT16 -> 2;
          default -> 0;
        };
    try {
      long n = size == 0 ? -1 : 1;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return Math.multiplyExact(n, (long) size);
    } catch (ArithmeticException e) {
      return -1;
    }
  }

  /** Wraps a byte array as a ByteString without copying; the caller must not modify it. */
  public static ByteString wrap(byte[] bytes) {
    return UnsafeByteOperations.unsafeWrap(bytes);
  }
}
