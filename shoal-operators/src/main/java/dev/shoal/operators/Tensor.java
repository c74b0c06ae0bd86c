package dev.shoal.operators;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable row-major tensor. Float32 and float16 data are held as floats (float16 values
 * already rounded to half precision), int32 data as ints, so operators run on plain arrays.
 */
public final class Tensor {

  private final DType dtype;
  private final Shape shape;
  private final float[] floats;
  private final int[] ints;

  private Tensor(DType dtype, Shape shape, float[] floats, int[] ints) {
    this.dtype = dtype;
    this.shape = shape;
    this.floats = floats;
    this.ints = ints;
  }

  public static Tensor float32(Shape shape, float[] values) {
    checkCount(shape, values.length);
    return new Tensor(DType.FLOAT32, shape, values.clone(), null);
  }

  public static Tensor float16(Shape shape, float[] values) {
    checkCount(shape, values.length);
    float[] rounded = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      rounded[i] = toHalfPrecision(values[i]);
    }
    return new Tensor(DType.FLOAT16, shape, rounded, null);
  }

  public static Tensor int32(Shape shape, int[] values) {
    checkCount(shape, values.length);
    return new Tensor(DType.INT32, shape, null, values.clone());
  }

  public static Tensor zeros(DType dtype, Shape shape) {
    int n = count(shape);
    return dtype == DType.INT32 ? new Tensor(dtype, shape, null, new int[n]) : new Tensor(dtype, shape, new float[n], null);
  }

  /** Wraps arrays the caller will never touch again (operators' own results). */
  static Tensor adoptFloats(DType dtype, Shape shape, float[] values) {
    checkCount(shape, values.length);
    if (dtype == DType.FLOAT16) {
      for (int i = 0; i < values.length; i++) {
        values[i] = toHalfPrecision(values[i]);
      }
    }
    return new Tensor(dtype, shape, values, null);
  }

  static Tensor adoptInts(Shape shape, int[] values) {
    checkCount(shape, values.length);
    return new Tensor(DType.INT32, shape, null, values);
  }

  /** Reads little-endian data; the buffer must hold exactly the shape's bytes. */
  public static Tensor fromLittleEndian(DType dtype, Shape shape, ByteBuffer bytes) {
    int n = count(shape);
    long expected = (long) n * dtype.byteSize();
    if (bytes.remaining() != expected) {
      throw new IllegalArgumentException(
          "a " + dtype.wireName() + shape + " tensor needs " + expected + " bytes, got " + bytes.remaining());
    }
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case FLOAT32 -> {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        return new Tensor(dtype, shape, v, null);
      }
      case FLOAT16 -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = Float.float16ToFloat(b.getShort());
        }
        return new Tensor(dtype, shape, v, null);
      }
      case INT32 -> {
        int[] v = new int[n];
        b.asIntBuffer().get(v);
        return new Tensor(dtype, shape, null, v);
      }
    }
    throw new AssertionError(dtype);
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

  public float getFloat(int flatIndex) {
    return floats != null ? floats[flatIndex] : ints[flatIndex];
  }

  public int getInt(int flatIndex) {
    requireInts();
    return ints[flatIndex];
  }

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

  public int[] toIntArray() {
    requireInts();
    return ints.clone();
  }

  /** Read-only access for operators in this package: no copy. */
  float[] floats() {
    return floats;
  }

  int[] ints() {
    return ints;
  }

  public byte[] toLittleEndianBytes() {
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(elementCount() * dtype.byteSize()));
    writeLittleEndian(b);
    return b.array();
  }

  public void writeLittleEndian(ByteBuffer out) {
    ByteBuffer b = out.order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case FLOAT32 -> {
        b.asFloatBuffer().put(floats);
        b.position(b.position() + floats.length * 4);
      }
      case FLOAT16 -> {
        for (float f : floats) {
          b.putShort(Float.floatToFloat16(f));
        }
      }
      case INT32 -> {
        b.asIntBuffer().put(ints);
        b.position(b.position() + ints.length * 4);
      }
    }
  }

  /** Rows [fromRow, toRow) of a 2-D tensor. */
  public Tensor rowBlock(int fromRow, int toRow) {
    require2d("rowBlock");
    int rows = shape.dim(0);
    int cols = shape.dim(1);
    if (fromRow < 0 || toRow > rows || fromRow > toRow) {
      throw new IllegalArgumentException("rows [" + fromRow + ", " + toRow + ") outside " + shape);
    }
    Shape s = Shape.of(toRow - fromRow, cols);
    return floats != null
        ? new Tensor(dtype, s, Arrays.copyOfRange(floats, fromRow * cols, toRow * cols), null)
        : new Tensor(dtype, s, null, Arrays.copyOfRange(ints, fromRow * cols, toRow * cols));
  }

  /** Columns [fromCol, toCol) of a 2-D tensor. */
  public Tensor columnBlock(int fromCol, int toCol) {
    require2d("columnBlock");
    int rows = shape.dim(0);
    int cols = shape.dim(1);
    if (fromCol < 0 || toCol > cols || fromCol > toCol) {
      throw new IllegalArgumentException("columns [" + fromCol + ", " + toCol + ") outside " + shape);
    }
    int w = toCol - fromCol;
    Shape s = Shape.of(rows, w);
    if (floats != null) {
      float[] out = new float[rows * w];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(floats, r * cols + fromCol, out, r * w, w);
      }
      return new Tensor(dtype, s, out, null);
    }
    int[] out = new int[rows * w];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(ints, r * cols + fromCol, out, r * w, w);
    }
    return new Tensor(dtype, s, null, out);
  }

  private void require2d(String what) {
    if (shape.rank() != 2) {
      throw new IllegalArgumentException(what + " needs a 2-D tensor, got " + shape);
    }
  }

  private void requireInts() {
    if (ints == null) {
      throw new IllegalStateException("a " + dtype.wireName() + " tensor has no int values");
    }
  }

  private static int count(Shape shape) {
    long n = shape.elementCount();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("shape " + shape + " has too many elements for one tensor");
    }
    return (int) n;
  }

  private static void checkCount(Shape shape, int length) {
    if (count(shape) != length) {
      throw new IllegalArgumentException("shape " + shape + " needs " + shape.elementCount() + " values, got " + length);
    }
  }

  static float toHalfPrecision(float f) {
    return Float.float16ToFloat(Float.floatToFloat16(f));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Tensor t) || dtype != t.dtype || !shape.equals(t.shape)) {
      return false;
    }
    if (floats != null) {
      for (int i = 0; i < floats.length; i++) {
        if (Float.floatToRawIntBits(floats[i]) != Float.floatToRawIntBits(t.floats[i])) {
          return false;
        }
      }
      return true;
    }
    return Arrays.equals(ints, t.ints);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + shape.hashCode()) + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(ints));
  }

  @Override
  public String toString() {
    int n = (int) Math.min(6, elementCount());
    StringBuilder b = new StringBuilder(dtype.wireName()).append(shape).append(" [");
    for (int i = 0; i < n; i++) {
      b.append(i > 0 ? ", " : "").append(floats != null ? String.valueOf(floats[i]) : String.valueOf(ints[i]));
    }
    return b.append(elementCount() > n ? ", …]" : "]").toString();
  }
}
