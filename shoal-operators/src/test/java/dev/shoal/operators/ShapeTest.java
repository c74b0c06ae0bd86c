package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShapeTest {

  @Test
  void describesItsDimensions() {
    Shape s = Shape.of(2, 3);
    assertThat(s.rank()).isEqualTo(2);
    assertThat(s.dim(0)).isEqualTo(2);
    assertThat(s.dim(1)).isEqualTo(3);
    assertThat(s.dims()).containsExactly(2, 3);
    assertThat(s.elementCount()).isEqualTo(6);
    assertThat(s).hasToString("[2, 3]");
  }

  @Test
  void rankZeroIsAScalarWithOneElement() {
    Shape s = Shape.of();
    assertThat(s.rank()).isZero();
    assertThat(s.elementCount()).isEqualTo(1);
    assertThat(s).hasToString("[]");
  }

  @Test
  void aZeroDimensionMeansNoElements() {
    assertThat(Shape.of(4, 0, 7).elementCount()).isZero();
    // However large the other dimensions: the product never overflows on its way to the zero.
    int max = Integer.MAX_VALUE;
    assertThat(Shape.of(max, max, max, 0).elementCount()).isZero();
  }

  @Test
  void rejectsNegativeDimensions() {
    assertThatIllegalArgumentException().isThrownBy(() -> Shape.of(2, -1)).withMessageContaining("negative dimension -1");
  }

  @Test
  void acceptsRankEightRejectsRankNine() {
    assertThat(Shape.of(1, 1, 1, 1, 1, 1, 1, 1).rank()).isEqualTo(8);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Shape.of(1, 1, 1, 1, 1, 1, 1, 1, 1))
        .withMessageContaining("rank 9");
  }

  @Test
  void elementCountOverflowIsAnIllegalArgument() {
    int max = Integer.MAX_VALUE;
    assertThat(Shape.of(max, max).elementCount()).isEqualTo((long) max * max);
    assertThatIllegalArgumentException().isThrownBy(() -> Shape.of(max, max, max));
  }

  @Test
  void isImmutable() {
    int[] dims = {2, 3};
    Shape s = Shape.of(dims);
    dims[0] = 9;
    s.dims()[1] = 9;
    assertThat(s.dims()).containsExactly(2, 3);
  }

  @Test
  void equalityByDimensions() {
    assertThat(Shape.of(2, 3)).isEqualTo(Shape.of(2, 3)).hasSameHashCodeAs(Shape.of(2, 3));
    assertThat(Shape.of(2, 3)).isNotEqualTo(Shape.of(3, 2)).isNotEqualTo(Shape.of(2, 3, 1));
  }

  @Test
  void axisOutsideTheRankIsRejected() {
    assertThatThrownBy(() -> Shape.of(2, 3).dim(2)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("axis 2");
    assertThatThrownBy(() -> Shape.of(2, 3).dim(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void specByteSize() {
    assertThat(new TensorSpec(DType.FLOAT16, Shape.of(2, 3)).byteSize()).isEqualTo(12);
    assertThat(new TensorSpec(DType.INT32, Shape.of(2, 3)).byteSize()).isEqualTo(24);
    assertThat(new TensorSpec(DType.FLOAT32, Shape.of(2, 3))).hasToString("float32[2, 3]");
    int max = Integer.MAX_VALUE;
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new TensorSpec(DType.FLOAT32, Shape.of(max, max, 2)).byteSize());
  }
}
