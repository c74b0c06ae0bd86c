package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.apply1;
import static dev.shoal.operators.OperatorTestSupport.assertBadInput;
import static dev.shoal.operators.OperatorTestSupport.assertOperatorError;
import static dev.shoal.operators.OperatorTestSupport.op;
import static dev.shoal.operators.OperatorTestSupport.spec;
import static dev.shoal.operators.OperatorTestSupport.tensor;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatmulOperatorTest {

  private static final Operator MATMUL = op("tensor.matmul@1");

  @ParameterizedTest
  @EnumSource(DType.class)
  void multipliesATwoByThreeByAThreeByTwo(DType dtype) {
    // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
    Tensor a = tensor(dtype, Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor b = tensor(dtype, Shape.of(3, 2), 7, 8, 9, 10, 11, 12);
    assertThat(apply1(MATMUL, a, b)).isEqualTo(tensor(dtype, Shape.of(2, 2), 58, 64, 139, 154));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void handlesNegativeValuesAndNonSquareOutputs(DType dtype) {
    // [1 -2]·[3 0 -1; 4 -5 2] = [1·3-2·4, 0+10, -1-4] = [-5, 10, -5]
    Tensor a = tensor(dtype, Shape.of(1, 2), 1, -2);
    Tensor b = tensor(dtype, Shape.of(2, 3), 3, 0, -1, 4, -5, 2);
    assertThat(apply1(MATMUL, a, b)).isEqualTo(tensor(dtype, Shape.of(1, 3), -5, 10, -5));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void anEmptyInnerDimensionGivesZeros(DType dtype) {
    Tensor a = tensor(dtype, Shape.of(2, 0));
    Tensor b = tensor(dtype, Shape.of(0, 3));
    assertThat(apply1(MATMUL, a, b)).isEqualTo(tensor(dtype, Shape.of(2, 3), 0, 0, 0, 0, 0, 0));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void anEmptyOuterDimensionGivesAnEmptyResult(DType dtype) {
    Tensor a = tensor(dtype, Shape.of(0, 2));
    Tensor b = tensor(dtype, Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    assertThat(apply1(MATMUL, a, b)).isEqualTo(tensor(dtype, Shape.of(0, 3)));
  }

  @Test
  void float16ResultIsRoundedToHalfPrecision() {
    // 2048 + 1 = 2049 lies halfway between the halves 2048 and 2050: ties go to even, 2048.
    Tensor a = Tensor.float16(Shape.of(1, 2), new float[] {1, 1});
    Tensor b = Tensor.float16(Shape.of(2, 1), new float[] {2048, 1});
    Tensor c = apply1(MATMUL, a, b);
    assertThat(c.dtype()).isEqualTo(DType.FLOAT16);
    assertThat(c.toFloatArray()).containsExactly(2048f);
  }

  @Test
  void float16AccumulatesInFloat32AndRoundsOnce() {
    // Rounding after each step would give 2048 (2048+1 -> 2048, +1 -> 2048); once at the end, 2050.
    Tensor a = Tensor.float16(Shape.of(1, 3), new float[] {1, 1, 1});
    Tensor b = Tensor.float16(Shape.of(3, 1), new float[] {2048, 1, 1});
    assertThat(apply1(MATMUL, a, b).toFloatArray()).containsExactly(2050f);
  }

  @Test
  void float16ResultBeyondTheHalfRangeIsInfinity() {
    // 256·256 = 65536 > 65504, the largest half.
    Tensor a = Tensor.float16(Shape.of(1, 1), new float[] {256});
    assertThat(apply1(MATMUL, a, a).toFloatArray()).containsExactly(Float.POSITIVE_INFINITY);
  }

  @Test
  void float16ResultOfInexactValuesIsRounded() {
    // half(0.1) = 0.0999755859375; 1000 + that = 1000.0999... and halves near 1000 are 0.5 apart.
    Tensor a = Tensor.float16(Shape.of(1, 2), new float[] {1, 1});
    Tensor b = Tensor.float16(Shape.of(2, 1), new float[] {1000, 0.1f});
    assertThat(apply1(MATMUL, a, b).toFloatArray()).containsExactly(1000f);
  }

  @Test
  void int32ProductsWrapAround() {
    // 65536·65536 + 1·1 = 2^32 + 1 ≡ 1 (mod 2^32)
    Tensor a = Tensor.int32(Shape.of(1, 2), new int[] {65536, 1});
    Tensor b = Tensor.int32(Shape.of(2, 1), new int[] {65536, 1});
    assertThat(apply1(MATMUL, a, b).toIntArray()).containsExactly(1);
  }

  @Test
  void int32ProductJustPastIntMaxWrapsToNegative() {
    // 46341² = 2147488281 ≡ 2147488281 - 2^32 = -2147479015
    Tensor a = Tensor.int32(Shape.of(1, 1), new int[] {46341});
    assertThat(apply1(MATMUL, a, a).toIntArray()).containsExactly(-2147479015);
  }

  @Test
  void int32SquareOfTwoToTheSixteenWrapsToZero() {
    Tensor a = Tensor.int32(Shape.of(1, 1), new int[] {65536});
    assertThat(apply1(MATMUL, a, a)).isEqualTo(Tensor.int32(Shape.of(1, 1), new int[] {0}));
  }

  @Test
  void int32SumsWrapAround() {
    // MAX + 1 = MIN
    Tensor a = Tensor.int32(Shape.of(1, 2), new int[] {Integer.MAX_VALUE, 1});
    Tensor b = Tensor.int32(Shape.of(2, 1), new int[] {1, 1});
    assertThat(apply1(MATMUL, a, b).toIntArray()).containsExactly(Integer.MIN_VALUE);
  }

  @Test
  void float32NaNAndInfinityPropagate() {
    // row 0: inf·0 + 1·1 = NaN; row 1: inf·2 + 1·1 = inf; row 2: -inf·2 + 0 = -inf
    Tensor a = Tensor.float32(Shape.of(3, 2), new float[] {Float.POSITIVE_INFINITY, 1, Float.POSITIVE_INFINITY, 1,
        Float.NEGATIVE_INFINITY, 0});
    Tensor b0 = Tensor.float32(Shape.of(2, 1), new float[] {0, 1});
    Tensor b2 = Tensor.float32(Shape.of(2, 1), new float[] {2, 1});
    assertThat(apply1(MATMUL, a, b0).getFloat(0)).isNaN();
    assertThat(apply1(MATMUL, a, b2).toFloatArray())
        .containsExactly(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
  }

  @Test
  void outputSpecIsMByNOfTheInputDtype() {
    assertThat(MATMUL.outputSpecs(List.of(spec(DType.FLOAT16, 4, 5), spec(DType.FLOAT16, 5, 7)), Attributes.empty()))
        .containsExactly(spec(DType.FLOAT16, 4, 7));
  }

  @Test
  void rejectsMismatchedInnerDimensions() {
    Tensor a = Tensor.float32(Shape.of(2, 3), new float[6]);
    assertBadInput(() -> MATMUL.apply(List.of(a, a), Attributes.empty()))
        .hasMessageContaining("tensor.matmul@1")
        .hasMessageContaining("inner dimensions differ")
        .hasMessageContaining("[2, 3] · [2, 3]");
  }

  @Test
  void rejectsMismatchedDtypes() {
    Tensor a = Tensor.float32(Shape.of(2, 2), new float[4]);
    Tensor b = Tensor.int32(Shape.of(2, 2), new int[4]);
    assertBadInput(() -> MATMUL.apply(List.of(a, b), Attributes.empty()))
        .hasMessageContaining("tensor.matmul@1")
        .hasMessageContaining("float32 vs int32");
  }

  @Test
  void rejectsAVectorInput() {
    assertBadInput(() -> MATMUL.outputSpecs(List.of(spec(DType.FLOAT32, 3), spec(DType.FLOAT32, 3, 1)), Attributes.empty()))
        .hasMessageContaining("tensor.matmul@1")
        .hasMessageContaining("2-D")
        .hasMessageContaining("[3] and [3, 1]");
  }

  @Test
  void rejectsARankThreeInput() {
    Tensor a = Tensor.float32(Shape.of(1, 2, 2), new float[4]);
    Tensor b = Tensor.float32(Shape.of(2, 2), new float[4]);
    assertBadInput(() -> MATMUL.apply(List.of(b, a), Attributes.empty())).hasMessageContaining("[2, 2] and [1, 2, 2]");
  }

  @Test
  void rejectsAScalarInput() {
    assertBadInput(() -> MATMUL.outputSpecs(List.of(spec(DType.INT32), spec(DType.INT32)), Attributes.empty()))
        .hasMessageContaining("2-D");
  }

  @Test
  void rejectsOneInput() {
    Tensor a = Tensor.float32(Shape.of(1, 1), new float[1]);
    assertBadInput(() -> MATMUL.apply(List.of(a), Attributes.empty()))
        .hasMessageContaining("tensor.matmul@1")
        .hasMessageContaining("takes 2 inputs, got 1");
  }

  @Test
  void rejectsThreeInputs() {
    Tensor a = Tensor.float32(Shape.of(1, 1), new float[1]);
    assertBadInput(() -> MATMUL.apply(List.of(a, a, a), Attributes.empty())).hasMessageContaining("takes 2 inputs, got 3");
  }

  @Test
  void rejectsAnOutputTooLargeForOneTensor() {
    // [65536,1]·[1,65536] would be 2^32 elements.
    assertBadInput(() -> MATMUL.outputSpecs(List.of(spec(DType.FLOAT32, 65536, 1), spec(DType.FLOAT32, 1, 65536)),
        Attributes.empty()))
        .hasMessageContaining("tensor.matmul@1")
        .hasMessageContaining("[65536, 65536]");
  }

  @Test
  void givesUpWhenItsThreadIsInterrupted() {
    Tensor a = Tensor.float32(Shape.of(2, 2), new float[] {1, 2, 3, 4});
    Thread.currentThread().interrupt();
    try {
      assertOperatorError(OperatorException.Kind.EXECUTION, () -> MATMUL.apply(List.of(a, a), Attributes.empty()))
          .hasMessageContaining("tensor.matmul@1")
          .hasMessageContaining("interrupted");
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void isNotCheap() {
    assertThat(MATMUL.isCheap()).isFalse();
  }
}
