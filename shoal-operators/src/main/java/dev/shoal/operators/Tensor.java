package dev.shoal.operators;

import dev.shoal.operators.internal.TensorAccess;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable row-major tensor. Float32 and float16 elements are held as floats (float16 values
 * already rounded to half precision), int32 elements as ints, so operators run on plain arrays.
 */
public final class Tensor {

  /** The most elements one tensor may hold: the practical limit of a Java array. */
  public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final int TO_STRING_VALUES = 6;

  static {
    TensorAccess.install(
        new TensorAccess.Bridge() {
          @Override
          public float[] floats(Tensor t) {
            return t.floats;
          }

          @Override
          public int[] ints(Tensor t) {
            return t.ints;
          }

          @Override
          public Tensor adoptFloats(DType dtype, Shape shape, float[] values) {
            if (!dtype.isFloating()) {
              throw new IllegalArgumentException("int32 data must be ints");
            }
            checkLength(shape, values.length);
            if (dtype == DType.FLOAT16) {
              roundToHalf(values, values);
            }
            return new Tensor(dtype, shape, values, null);
          }

          @Override
          public Tensor adoptInts(Shape shape, int[] values) {
            checkLength(shape, values.length);
            return new Tensor(DType.INT32, shape, null, values);
          }
        });
  }

  private final DType dtype;
  private final Shape shape;
  /** Exactly one of floats and ints is set, by dtype; neither ever escapes this class uncopied. */
  private final float[] floats;
  private final int[] ints;

  private Tensor(DType dtype, Shape shape, float[] floats, int[] ints) {
    this.dtype = dtype;
    this.shape = shape;
    this.floats = floats;
    this.ints = ints;
  }

  public static Tensor float32(Shape shape, float[] values) {
    checkLength(shape, values.length);
    return new Tensor(DType.FLOAT32, shape, values.clone(), null);
  }

  /** A float16 tensor; each value is rounded to the nearest half-precision value (overflow to ±inf). */
  public static Tensor float16(Shape shape, float[] values) {
    checkLength(shape, values.length);
    float[] rounded = new float[values.length];
    roundToHalf(values, rounded);
    return new Tensor(DType.FLOAT16, shape, rounded, null);
  }

  public static Tensor int32(Shape shape, int[] values) {
    checkLength(shape, values.length);
    return new Tensor(DType.INT32, shape, null, values.clone());
  }

  public static Tensor zeros(DType dtype, Shape shape) {
    Objects.requireNonNull(dtype, "dtype");
    int n = count(shape);
    return dtype == DType.INT32 ? new Tensor(dtype, shape, null, new int[n]) : new Tensor(dtype, shape, new float[n], null);
  }

  /**
   * Reads little-endian elements (float16 as 2-byte IEEE half). The buffer's remaining bytes must
   * be exactly the tensor's size; its position and byte order are left unchanged.
   */
  public static Tensor fromLittleEndian(DType dtype, Shape shape, ByteBuffer bytes) {
    int n = count(shape);
    long expected = (long) n * dtype.byteSize();
    if (bytes.remaining() != expected) {
      throw new IllegalArgumentException(
          "a " + dtype.wireName() + shape + " tensor needs " + expected + " bytes, got " + bytes.remaining());
    }
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    return switch (dtype) {
      case FLOAT32 -> {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        yield new Tensor(dtype, shape, v, null);
      }
      case FLOAT16 -> {
        short[] halves = new short[n];
        b.asShortBuffer().get(halves);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = Float.float16ToFloat(halves[i]);
        }
        yield new Tensor(dtype, shape, v, null);
      }
      case INT32 -> {
        int[] v = new int[n];
        b.asIntBuffer().get(v);
        yield new Tensor(dtype, shape, null, v);
      }
    };
  }

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public TensorSpec spec() {
    return new TensorSpec(dtype, shape);
  }

  public long elementCount() {
    return shape.elementCount();
  }

  /** The element at a row-major index as a float, for any dtype (int32 values beyond ±2^24 round). */
  public float getFloat(int flatIndex) {
    return floats != null ? floats[flatIndex] : ints[flatIndex];
  }

  /** The element at a row-major index of an int32 tensor; other dtypes are an IllegalStateException. */
  public int getInt(int flatIndex) {
    requireInts();
    return ints[flatIndex];
  }

  /** A copy of the elements as floats, for any dtype. */
  public float[] toFloatArray() {
    if (floats != null) {
      return floats.clone();
    }
    float[] out = new float[ints.length];
    for (int i = 0; i < ints.length; i++) {
      out[i] = ints[i];
    }
    return out;
  }

  /** A copy of the elements of an int32 tensor; other dtypes are an IllegalStateException. */
  public int[] toIntArray() {
    requireInts();
    return ints.clone();
  }

  /** The elements as little-endian bytes: 4 per float32 and int32 element, 2 per float16. */
  public byte[] toLittleEndianBytes() {
    byte[] out = new byte[byteCount()];
    writeLittleEndian(ByteBuffer.wrap(out));
    return out;
  }

  /**
   * Writes the elements little-endian at the buffer's position and advances it; the buffer's own
   * byte order is left unchanged.
   */
  public void writeLittleEndian(ByteBuffer out) {
    int size = byteCount();
    if (out.remaining() < size) {
      throw new IllegalArgumentException(
          "a " + spec() + " tensor needs " + size + " bytes, the buffer has " + out.remaining() + " remaining");
    }
    ByteBuffer b = out.slice().order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case FLOAT32 -> b.asFloatBuffer().put(floats);
      case FLOAT16 -> {
        short[] halves = new short[floats.length];
        for (int i = 0; i < floats.length; i++) {
          halves[i] = Float.floatToFloat16(floats[i]);
        }
        b.asShortBuffer().put(halves);
      }
      case INT32 -> b.asIntBuffer().put(ints);
    }
    out.position(out.position() + size);
  }

  /** Rows [fromRow, toRow) of a 2-D tensor, as a new tensor. */
  public Tensor rowBlock(int fromRow, int toRow) {
    require2d("rowBlock");
    int rows = shape.dim(0);
    int cols = shape.dim(1);
    if (fromRow < 0 || toRow > rows || fromRow > toRow) {
      throw new IllegalArgumentException("rows [" + fromRow + ", " + toRow + ") are outside " + shape);
    }
    Shape s = Shape.of(toRow - fromRow, cols);
    // Rows are contiguous in row-major order: one range copy.
    return floats != null
        ? new Tensor(dtype, s, Arrays.copyOfRange(floats, fromRow * cols, toRow * cols), null)
        : new Tensor(dtype, s, null, Arrays.copyOfRange(ints, fromRow * cols, toRow * cols));
  }

  /** Columns [fromCol, toCol) of a 2-D tensor, as a new tensor. */
  public Tensor columnBlock(int fromCol, int toCol) {
    require2d("columnBlock");
    int rows = shape.dim(0);
    int cols = shape.dim(1);
    if (fromCol < 0 || toCol > cols || fromCol > toCol) {
      throw new IllegalArgumentException("columns [" + fromCol + ", " + toCol + ") are outside " + shape);
    }
    int width = toCol - fromCol;
    Shape s = Shape.of(rows, width);
    Object src = floats != null ? floats : ints;
    Object dst = floats != null ? new float[rows * width] : new int[rows * width];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(src, r * cols + fromCol, dst, r * width, width);
    }
    return floats != null ? new Tensor(dtype, s, (float[]) dst, null) : new Tensor(dtype, s, null, (int[]) dst);
  }

  private int byteCount() {
    // A tensor near MAX_ELEMENTS has more bytes than one byte array can hold: say so, do not overflow.
    long size = elementCount() * dtype.byteSize();
    if (size > MAX_ELEMENTS) {
      throw new IllegalStateException("a " + spec() + " tensor has " + size + " bytes, too many for one byte array");
    }
    return (int) size;
  }

  private void require2d(String what) {
    if (shape.rank() != 2) {
      throw new IllegalStateException(what + " needs a 2-D tensor, this one is " + spec());
    }
  }

  private void requireInts() {
    if (ints == null) {
      throw new IllegalStateException("a " + dtype.wireName() + " tensor has no int values");
    }
  }

  private static int count(Shape shape) {
    long n = shape.elementCount();
    if (n > MAX_ELEMENTS) {
      throw new IllegalArgumentException("shape " + shape + " has " + n + " elements; a tensor holds at most " + MAX_ELEMENTS);
    }
    return (int) n;
  }

  private static void checkLength(Shape shape, int length) {
    if (count(shape) != length) {
      throw new IllegalArgumentException("shape " + shape + " needs " + shape.elementCount() + " values, got " + length);
    }
  }

  private static void roundToHalf(float[] from, float[] to) {
    for (int i = 0; i < from.length; i++) {
      to[i] = Float.float16ToFloat(Float.floatToFloat16(from[i]));
    }
  }

  /**
   * Equal if dtype, shape and every element's bits are equal, except that all NaNs are equal to
   * each other (as {@link Float#equals}: the sign and payload of a computed NaN vary by CPU). So
   * 0.0 and -0.0 differ.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Tensor t
        && dtype == t.dtype
        && shape.equals(t.shape)
        && (ints != null ? Arrays.equals(ints, t.ints) : Arrays.equals(floats, t.floats));
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + shape.hashCode()) + (ints != null ? Arrays.hashCode(ints) : Arrays.hashCode(floats));
  }

  /** Like {@code float32[2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, with only the first few values. */
  @Override
  public String toString() {
    int n = (int) Math.min(TO_STRING_VALUES, elementCount());
    StringBuilder b = new StringBuilder(dtype.wireName()).append(shape).append(" [");
    for (int i = 0; i < n; i++) {
      b.append(i > 0 ? ", " : "").append(floats != null ? String.valueOf(floats[i]) : String.valueOf(ints[i]));
    }
    return b.append(elementCount() > n ? ", ...]" : "]").toString();
  }
}
