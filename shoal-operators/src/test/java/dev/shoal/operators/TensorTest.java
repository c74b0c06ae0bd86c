package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TensorTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;

  @Test
  void float32HoldsACopyOfItsValues() {
    float[] values = {1, 2, 3, 4, 5, 6};
    Tensor t = f32(shape(2, 3), values);
    values[0] = 99;
    t.toFloatArray()[1] = 99;
    assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(t.shape()).isEqualTo(shape(2, 3));
    assertThat(t.spec()).isEqualTo(new TensorSpec(DType.FLOAT32, shape(2, 3)));
    assertThat(t.elementCount()).isEqualTo(6);
    assertThat(t.getFloat(5)).isEqualTo(6);
  }

  @Test
  void valueCountMustMatchTheShape() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> f32(shape(2, 3), 1, 2, 3))
        .withMessage("shape [2, 3] needs 6 values, got 3");
    assertThatIllegalArgumentException().isThrownBy(() -> i32(shape(2), 1, 2, 3));
    assertThatIllegalArgumentException().isThrownBy(() -> f16(shape(), 1, 2));
  }

  @Test
  void float16RoundsToHalfPrecision() {
    Tensor t = f16(shape(7), 0.1f, 65519, 65520, 1e-8f, 2049, 2051, 6e-8f);
    // 0.1 -> 0x2E66; 65519 is below the max-to-inf midpoint, 65520 is not; 1e-8 underflows;
    // 2049 and 2051 lie halfway between halves 2 apart and round to even; 6e-8 -> the smallest subnormal.
    assertThat(t.toFloatArray()).containsExactly(0.0999755859375f, 65504, INF, 0, 2048, 2052, 0x1p-24f);
    assertThat(t.dtype()).isEqualTo(DType.FLOAT16);
  }

  @Test
  void int32ValuesAreReadAsIntsOrFloats() {
    Tensor t = i32(shape(3), 7, -2, Integer.MAX_VALUE);
    assertThat(t.getInt(1)).isEqualTo(-2);
    assertThat(t.toIntArray()).containsExactly(7, -2, Integer.MAX_VALUE);
    assertThat(t.getFloat(0)).isEqualTo(7f);
    assertThat(t.toFloatArray()).containsExactly(7f, -2f, 2.14748365E9f);
  }

  @Test
  void intAccessorsAreForInt32Only() {
    Tensor t = f32(shape(1), 1);
    assertThatIllegalStateException().isThrownBy(() -> t.getInt(0)).withMessageContaining("float32");
    assertThatIllegalStateException().isThrownBy(t::toIntArray);
  }

  @Test
  void zerosOfEachDType() {
    assertThat(Tensor.zeros(DType.FLOAT32, shape(2, 2))).isEqualTo(f32(shape(2, 2), 0, 0, 0, 0));
    assertThat(Tensor.zeros(DType.FLOAT16, shape(3))).isEqualTo(f16(shape(3), 0, 0, 0));
    assertThat(Tensor.zeros(DType.INT32, shape())).isEqualTo(i32(shape(), 0));
    assertThat(Tensor.zeros(DType.INT32, shape(0, 5)).elementCount()).isZero();
  }

  @Test
  void refusesShapesLargerThanAnArray() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Tensor.zeros(DType.FLOAT32, shape(65536, 65536)))
        .withMessageContaining("at most " + Tensor.MAX_ELEMENTS);
  }

  static Stream<Tensor> tensorsOfEveryDType() {
    return Stream.of(
        f32(shape(2, 3), 1.5f, -0f, NAN, INF, -INF, Float.MIN_VALUE),
        f16(shape(2, 3), 1.5f, -0f, NAN, -INF, 65504, 0x1p-24f),
        i32(shape(2, 3), 0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42, 7),
        f32(shape(), 3),
        i32(shape(0, 4)));
  }

  @ParameterizedTest
  @MethodSource("tensorsOfEveryDType")
  void roundTripsThroughLittleEndianBytes(Tensor t) {
    byte[] bytes = t.toLittleEndianBytes();
    assertThat(bytes).hasSize((int) t.spec().byteSize());
    Tensor back = Tensor.fromLittleEndian(t.dtype(), t.shape(), ByteBuffer.wrap(bytes));
    assertThat(back).isEqualTo(t).hasSameHashCodeAs(t);
  }

  @Test
  void bytesAreLittleEndianWithTwoBytesPerHalf() {
    assertThat(f32(shape(1), 1).toLittleEndianBytes()).containsExactly(0x00, 0x00, 0x80, 0x3F);
    assertThat(f16(shape(2), 1, -2).toLittleEndianBytes()).containsExactly(0x00, 0x3C, 0x00, 0xC0);
    assertThat(i32(shape(2), 1, -2).toLittleEndianBytes()).containsExactly(0x01, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF);
  }

  @Test
  void readsLittleEndianWhateverTheBufferOrderAndLeavesItsPosition() {
    ByteBuffer b = ByteBuffer.wrap(new byte[] {9, 0x01, 0, 0, 0, 0x02, 0, 0, 0}).order(ByteOrder.BIG_ENDIAN);
    b.position(1);
    Tensor t = Tensor.fromLittleEndian(DType.INT32, shape(2), b);
    assertThat(t.toIntArray()).containsExactly(1, 2);
    assertThat(b.position()).isEqualTo(1);
    assertThat(b.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
  }

  @Test
  void readsFromReadOnlyAndDirectBuffers() {
    byte[] bytes = f16(shape(2), 0.5f, -3).toLittleEndianBytes();
    assertThat(Tensor.fromLittleEndian(DType.FLOAT16, shape(2), ByteBuffer.wrap(bytes).asReadOnlyBuffer()).toFloatArray())
        .containsExactly(0.5f, -3);
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    assertThat(Tensor.fromLittleEndian(DType.FLOAT16, shape(2), direct).toFloatArray()).containsExactly(0.5f, -3);
  }

  @Test
  void wrongByteCountNamesBothNumbers() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Tensor.fromLittleEndian(DType.FLOAT32, shape(2, 3), ByteBuffer.allocate(20)))
        .withMessage("a float32[2, 3] tensor needs 24 bytes, got 20");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Tensor.fromLittleEndian(DType.FLOAT16, shape(2, 3), ByteBuffer.allocate(24)))
        .withMessageContaining("needs 12 bytes, got 24");
  }

  @Test
  void writesAtThePositionAndAdvancesWithoutChangingTheBufferOrder() {
    ByteBuffer b = ByteBuffer.allocate(7).order(ByteOrder.BIG_ENDIAN);
    b.put((byte) 9);
    f16(shape(3), 1, 2, -2).writeLittleEndian(b);
    assertThat(b.position()).isEqualTo(7);
    assertThat(b.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
    assertThat(b.array()).containsExactly(9, 0x00, 0x3C, 0x00, 0x40, 0x00, 0xC0);
  }

  @Test
  void writingToATooSmallBufferWritesNothing() {
    ByteBuffer b = ByteBuffer.allocate(7);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> i32(shape(2), 1, 2).writeLittleEndian(b))
        .withMessageContaining("needs 8 bytes, the buffer has 7 remaining");
    assertThat(b.position()).isZero();
  }

  @Test
  void rowAndColumnBlocks() {
    Tensor t = i32(shape(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    assertThat(t.rowBlock(1, 3)).isEqualTo(i32(shape(2, 4), 4, 5, 6, 7, 8, 9, 10, 11));
    assertThat(t.columnBlock(1, 3)).isEqualTo(i32(shape(3, 2), 1, 2, 5, 6, 9, 10));
    assertThat(t.rowBlock(2, 2)).isEqualTo(i32(shape(0, 4)));
    Tensor f = f16(shape(2, 2), 1, 2, 3, 4);
    assertThat(f.columnBlock(1, 2)).isEqualTo(f16(shape(2, 1), 2, 4));
    assertThat(f.rowBlock(0, 2)).isEqualTo(f);
  }

  @Test
  void blocksOutsideTheTensorOrOfNon2dTensorsAreRejected() {
    Tensor t = f32(shape(2, 2), 1, 2, 3, 4);
    assertThatIllegalArgumentException().isThrownBy(() -> t.rowBlock(1, 3)).withMessageContaining("[1, 3)");
    assertThatIllegalArgumentException().isThrownBy(() -> t.rowBlock(-1, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> t.columnBlock(2, 1));
    assertThatIllegalStateException().isThrownBy(() -> f32(shape(4), 1, 2, 3, 4).rowBlock(0, 1)).withMessageContaining("2-D");
    assertThatIllegalStateException().isThrownBy(() -> f32(shape(1, 1, 1), 1).columnBlock(0, 1));
  }

  @Test
  void allNansAreEqualWhateverTheirBits() {
    float negativeNan = Float.intBitsToFloat(0xFFC00000);
    float payloadNan = Float.intBitsToFloat(0x7F800001);
    assertThat(f32(shape(2), negativeNan, payloadNan)).isEqualTo(f32(shape(2), NAN, NAN)).hasSameHashCodeAs(f32(shape(2), NAN, NAN));
  }

  @Test
  void equalityIsByDTypeShapeAndExactBits() {
    assertThat(f32(shape(2), 1, NAN)).isEqualTo(f32(shape(2), 1, NAN)).hasSameHashCodeAs(f32(shape(2), 1, NAN));
    assertThat(f32(shape(1), 0f)).isNotEqualTo(f32(shape(1), -0f));
    assertThat(f32(shape(2), 1, 2)).isNotEqualTo(f16(shape(2), 1, 2));
    assertThat(f32(shape(2), 1, 2)).isNotEqualTo(f32(shape(1, 2), 1, 2));
    assertThat(f32(shape(2), 1, 2)).isNotEqualTo(f32(shape(2), 1, 2.0000002f));
    assertThat(i32(shape(2), 1, 2)).isEqualTo(i32(shape(2), 1, 2)).isNotEqualTo(i32(shape(2), 2, 1));
  }

  @Test
  void toStringIsShort() {
    assertThat(f32(shape(2, 3), 1, 2, 3, 4, 5, 6)).hasToString("float32[2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]");
    assertThat(Tensor.zeros(DType.INT32, shape(100, 100)).toString()).isEqualTo("int32[100, 100] [0, 0, 0, 0, 0, 0, ...]");
  }
}
