package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TensorSpecTest {

  @Test
  void byteSizeIsElementsTimesElementSize() {
    assertThat(new TensorSpec(DType.FLOAT32, Shape.of(2, 3)).byteSize()).isEqualTo(24);
    assertThat(new TensorSpec(DType.FLOAT16, Shape.of(2, 3)).byteSize()).isEqualTo(12);
    assertThat(new TensorSpec(DType.INT32, Shape.of()).byteSize()).isEqualTo(4);
    assertThat(new TensorSpec(DType.INT32, Shape.of(5, 0)).byteSize()).isZero();
  }

  @Test
  void byteSizeDoesNotOverflowAnInt() {
    assertThat(new TensorSpec(DType.FLOAT32, Shape.of(65536, 65536)).byteSize()).isEqualTo(17_179_869_184L);
  }

  @Test
  void toStringIsWireNameThenShape() {
    assertThat(new TensorSpec(DType.FLOAT16, Shape.of(2, 3))).hasToString("float16[2, 3]");
  }

  @Test
  void aTensorsSpecIsItsDtypeAndShape() {
    Tensor t = Tensor.int32(Shape.of(2), new int[] {1, 2});
    assertThat(t.spec()).isEqualTo(new TensorSpec(DType.INT32, Shape.of(2)));
  }
}
