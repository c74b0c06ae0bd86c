package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.apply1;
import static dev.shoal.operators.OperatorTestSupport.assertBadInput;
import static dev.shoal.operators.OperatorTestSupport.axis;
import static dev.shoal.operators.OperatorTestSupport.op;
import static dev.shoal.operators.OperatorTestSupport.spec;
import static dev.shoal.operators.OperatorTestSupport.tensor;
import static dev.shoal.operators.OperatorTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** tensor.reduce_sum|reduce_mean|reduce_max@1. */
class ReduceOperatorsTest {

  private static final Operator SUM = op("tensor.reduce_sum@1");
  private static final Operator MEAN = op("tensor.reduce_mean@1");
  private static final Operator MAX = op("tensor.reduce_max@1");

  /** [1 2 3; 4 5 6]. */
  private static Tensor twoByThree(DType dtype) {
    return tensor(dtype, Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
  }

  // --- each axis of a 2×3 tensor ---

  @ParameterizedTest
  @EnumSource(DType.class)
  void sumOverAxisZeroAddsTheRows(DType d) {
    assertThat(apply1(SUM, axis(0), twoByThree(d))).isEqualTo(vector(d, 5, 7, 9));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void sumOverAxisOneAddsTheColumns(DType d) {
    assertThat(apply1(SUM, axis(1), twoByThree(d))).isEqualTo(vector(d, 6, 15));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void maxOverAxisZero(DType d) {
    assertThat(apply1(MAX, axis(0), twoByThree(d))).isEqualTo(vector(d, 4, 5, 6));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void maxOverAxisOne(DType d) {
    assertThat(apply1(MAX, axis(1), twoByThree(d))).isEqualTo(vector(d, 3, 6));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void meanOverAxisZero(DType d) {
    assertThat(apply1(MEAN, axis(0), twoByThree(d))).isEqualTo(vector(d, 2.5, 3.5, 4.5));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void meanOverAxisOne(DType d) {
    assertThat(apply1(MEAN, axis(1), twoByThree(d))).isEqualTo(vector(d, 2, 5));
  }

  @Test
  void axisMinusOneIsTheLastAxis() {
    assertThat(apply1(SUM, axis(-1), twoByThree(DType.FLOAT32))).isEqualTo(vector(DType.FLOAT32, 6, 15));
  }

  @Test
  void axisMinusRankIsTheFirstAxis() {
    assertThat(apply1(SUM, axis(-2), twoByThree(DType.FLOAT32))).isEqualTo(vector(DType.FLOAT32, 5, 7, 9));
  }

  @Test
  void maxWithNegativeAxisOverTheLastDimension() {
    assertThat(apply1(MAX, axis(-1), twoByThree(DType.INT32))).isEqualTo(vector(DType.INT32, 3, 6));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void sumOverTheMiddleAxisOfARankThreeTensor(DType d) {
    // x[i][j][k] = 6i + 2j + k, shape [2,3,2]; sum over j: [[0+2+4, 1+3+5], [6+8+10, 7+9+11]]
    Tensor t = tensor(d, Shape.of(2, 3, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    assertThat(apply1(SUM, axis(1), t)).isEqualTo(tensor(d, Shape.of(2, 2), 6, 9, 24, 27));
  }

  @Test
  void maxOverTheLastAxisOfARankThreeTensor() {
    Tensor t = tensor(DType.INT32, Shape.of(2, 1, 3), 3, -1, 2, -5, -4, -6);
    assertThat(apply1(MAX, axis(2), t)).isEqualTo(tensor(DType.INT32, Shape.of(2, 1), 3, -4));
  }

  // --- rank 1 -> rank 0 ---

  @ParameterizedTest
  @EnumSource(DType.class)
  void reducingAVectorGivesAScalar(DType d) {
    Tensor v = vector(d, 1, 2, 3, 4);
    assertThat(apply1(SUM, axis(0), v)).isEqualTo(tensor(d, Shape.of(), 10));
    assertThat(apply1(MAX, axis(0), v)).isEqualTo(tensor(d, Shape.of(), 4));
  }

  @Test
  void meanOfAVectorIsAScalar() {
    Tensor out = apply1(MEAN, axis(0), vector(DType.FLOAT32, 1, 2, 3, 4));
    assertThat(out.shape()).isEqualTo(Shape.of());
    assertThat(out.toFloatArray()).containsExactly(2.5f);
  }

  // --- empty axis ---

  @ParameterizedTest
  @EnumSource(DType.class)
  void sumOverAnEmptyAxisIsZero(DType d) {
    assertThat(apply1(SUM, axis(1), tensor(d, Shape.of(2, 0)))).isEqualTo(vector(d, 0, 0));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void meanOverAnEmptyAxisIsNaN(DType d) {
    assertThat(apply1(MEAN, axis(1), tensor(d, Shape.of(2, 0))).toFloatArray()).containsExactly(Float.NaN, Float.NaN);
  }

  @Test
  void int32MeanOverAnEmptyAxisIsBadInput() {
    Tensor t = tensor(DType.INT32, Shape.of(2, 0));
    assertBadInput(() -> MEAN.apply(List.of(t), axis(1))).hasMessageContaining("tensor.reduce_mean@1");
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void maxOverAnEmptyAxisIsBadInput(DType d) {
    Tensor t = tensor(d, Shape.of(2, 0));
    assertBadInput(() -> MAX.apply(List.of(t), axis(1)))
        .hasMessageContaining("tensor.reduce_max@1")
        .hasMessageContaining("empty axis");
  }

  @Test
  void maxOverANonEmptyAxisOfAnEmptyTensorIsEmpty() {
    Tensor t = tensor(DType.FLOAT32, Shape.of(0, 3));
    assertThat(apply1(MAX, axis(1), t)).isEqualTo(tensor(DType.FLOAT32, Shape.of(0)));
  }

  // --- values ---

  @Test
  void int32MeanIsBadInputEvenOverANonEmptyAxis() {
    assertBadInput(() -> MEAN.apply(List.of(twoByThree(DType.INT32)), axis(0)))
        .hasMessageContaining("tensor.reduce_mean@1")
        .hasMessageContaining("int32");
  }

  @Test
  void float32SumAccumulatesInDouble() {
    // In float32, 1e8 + 1 rounds back to 1e8 and the sum would be 0; in double it is 1.
    assertThat(apply1(SUM, axis(0), vector(DType.FLOAT32, 1e8, 1, -1e8)).toFloatArray()).containsExactly(1f);
  }

  @Test
  void float16MeanIsRoundedToHalf() {
    // (1+2+2)/3 = 1.6667; halves in [1,2) are 2^-10 apart: 1706.67 -> 1707/1024 = 1.6669921875
    assertThat(apply1(MEAN, axis(0), vector(DType.FLOAT16, 1, 2, 2)).toFloatArray()).containsExactly(1.6669921875f);
  }

  @Test
  void float16SumOverflowingTheHalfRangeIsInfinity() {
    assertThat(apply1(SUM, axis(0), vector(DType.FLOAT16, 60000, 60000)).toFloatArray())
        .containsExactly(Float.POSITIVE_INFINITY);
  }

  @Test
  void maxOfAColumnWithNaNIsNaN() {
    Tensor t = tensor(DType.FLOAT32, Shape.of(3, 2), 1, 1, Float.NaN, 2, 3, 3);
    assertThat(apply1(MAX, axis(0), t).toFloatArray()).containsExactly(Float.NaN, 3f);
  }

  @Test
  void sumWithNaNOrOppositeInfinitiesIsNaN() {
    Tensor t = tensor(DType.FLOAT32, Shape.of(2, 3), Float.NaN, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
        1, Float.NEGATIVE_INFINITY, 1);
    assertThat(apply1(SUM, axis(0), t).toFloatArray()).containsExactly(Float.NaN, Float.NaN, Float.POSITIVE_INFINITY);
  }

  @Test
  void maxOfNegativeInfinitiesIsNegativeInfinity() {
    assertThat(apply1(MAX, axis(0), vector(DType.FLOAT32, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY))
        .toFloatArray()).containsExactly(Float.NEGATIVE_INFINITY);
  }

  @Test
  void int32MaxOfMinValuesIsMinValue() {
    assertThat(apply1(MAX, axis(0), vector(DType.INT32, Integer.MIN_VALUE, Integer.MIN_VALUE)).toIntArray())
        .containsExactly(Integer.MIN_VALUE);
  }

  // --- axis attribute ---

  @ParameterizedTest
  @ValueSource(longs = {2, -3, Long.MAX_VALUE, Long.MIN_VALUE})
  void axisOutOfRangeIsBadInput(long axis) {
    assertBadInput(() -> SUM.apply(List.of(twoByThree(DType.FLOAT32)), axis(axis)))
        .hasMessageContaining("tensor.reduce_sum@1")
        .hasMessageContaining("axis " + axis + " is out of range for rank 2");
  }

  @Test
  void aScalarHasNoAxisToReduce() {
    assertBadInput(() -> MAX.apply(List.of(tensor(DType.FLOAT32, Shape.of(), 1)), axis(0)))
        .hasMessageContaining("out of range for rank 0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tensor.reduce_sum@1", "tensor.reduce_mean@1", "tensor.reduce_max@1"})
  void missingAxisIsBadInputNamingTheOperator(String id) {
    assertBadInput(() -> op(id).apply(List.of(twoByThree(DType.FLOAT32)), Attributes.empty()))
        .hasMessageContaining(id)
        .hasMessageContaining("'axis' is missing");
  }

  @Test
  void axisGivenAsAStringIsBadInput() {
    Attributes attrs = Attributes.builder().put("axis", "1").build();
    assertBadInput(() -> SUM.apply(List.of(twoByThree(DType.FLOAT32)), attrs))
        .hasMessageContaining("tensor.reduce_sum@1")
        .hasMessageContaining("'axis' must be an integer");
  }

  @Test
  void axisGivenAsANumberWithAFractionIsBadInput() {
    Attributes attrs = Attributes.builder().put("axis", 1.0).build();
    assertBadInput(() -> SUM.apply(List.of(twoByThree(DType.FLOAT32)), attrs)).hasMessageContaining("must be an integer");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tensor.reduce_sum@1", "tensor.reduce_mean@1", "tensor.reduce_max@1"})
  void needsExactlyOneInput(String id) {
    Tensor t = twoByThree(DType.FLOAT32);
    assertBadInput(() -> op(id).apply(List.of(t, t), axis(0))).hasMessageContaining("takes 1 input, got 2");
  }

  @Test
  void outputSpecDropsTheAxis() {
    assertThat(SUM.outputSpecs(List.of(spec(DType.FLOAT16, 2, 3, 4)), axis(1))).containsExactly(spec(DType.FLOAT16, 2, 4));
    assertThat(MAX.outputSpecs(List.of(spec(DType.INT32, 2, 3, 4)), axis(-1))).containsExactly(spec(DType.INT32, 2, 3));
  }

  @Test
  void reducingTheOnlyEmptyAxisToAShapeTooLargeToCountIsBadInput() {
    // float32[0, max, max, max] is a valid empty tensor; summing away the zero leaves
    // [max, max, max], which has more than Long.MAX_VALUE elements. Operators must refuse with
    // BAD_INPUT, not let Shape's IllegalArgumentException escape.
    int max = Integer.MAX_VALUE;
    assertBadInput(() -> SUM.outputSpecs(List.of(spec(DType.FLOAT32, 0, max, max, max)), axis(0)))
        .hasMessageContaining("tensor.reduce_sum@1");
  }
}
