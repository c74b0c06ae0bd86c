package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.apply1;
import static dev.shoal.operators.OperatorTestSupport.assertBadInput;
import static dev.shoal.operators.OperatorTestSupport.assertOperatorError;
import static dev.shoal.operators.OperatorTestSupport.op;
import static dev.shoal.operators.OperatorTestSupport.spec;
import static dev.shoal.operators.OperatorTestSupport.tensor;
import static dev.shoal.operators.OperatorTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** tensor.add|sub|mul|div|max|min@1. */
class ElementwiseOperatorsTest {

  private static final float INF = Float.POSITIVE_INFINITY;
  private static final float NAN = Float.NaN;

  private static final Operator ADD = op("tensor.add@1");
  private static final Operator SUB = op("tensor.sub@1");
  private static final Operator MUL = op("tensor.mul@1");
  private static final Operator DIV = op("tensor.div@1");
  private static final Operator MAX = op("tensor.max@1");
  private static final Operator MIN = op("tensor.min@1");

  // a = [6 -7; 8 0], b = [3 2; -4 5]
  private static final double[] A = {6, -7, 8, 0};
  private static final double[] B = {3, 2, -4, 5};

  static Stream<Arguments> handComputed() {
    List<Arguments> out = new ArrayList<>();
    for (DType d : DType.values()) {
      out.add(Arguments.of("tensor.add@1", d, new double[] {9, -5, 4, 5}));
      out.add(Arguments.of("tensor.sub@1", d, new double[] {3, -9, 12, -5}));
      out.add(Arguments.of("tensor.mul@1", d, new double[] {18, -14, -32, 0}));
      out.add(Arguments.of("tensor.div@1", d,
          d == DType.INT32 ? new double[] {2, -3, -2, 0} : new double[] {2, -3.5, -2, 0}));
      out.add(Arguments.of("tensor.max@1", d, new double[] {6, 2, 8, 5}));
      out.add(Arguments.of("tensor.min@1", d, new double[] {3, -7, -4, 0}));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("handComputed")
  void computesElementByElementKeepingShapeAndDtype(String id, DType dtype, double[] expected) {
    Tensor a = tensor(dtype, Shape.of(2, 2), A);
    Tensor b = tensor(dtype, Shape.of(2, 2), B);
    assertThat(apply1(op(id), a, b)).isEqualTo(tensor(dtype, Shape.of(2, 2), expected));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void worksOnScalars(DType dtype) {
    Tensor a = tensor(dtype, Shape.of(), 4);
    Tensor b = tensor(dtype, Shape.of(), 5);
    assertThat(apply1(MUL, a, b)).isEqualTo(tensor(dtype, Shape.of(), 20));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void worksOnEmptyTensors(DType dtype) {
    Tensor a = tensor(dtype, Shape.of(0, 3));
    assertThat(apply1(ADD, a, a)).isEqualTo(tensor(dtype, Shape.of(0, 3)));
  }

  // --- float specials ---

  @ParameterizedTest
  @ValueSource(strings = {"tensor.add@1", "tensor.sub@1", "tensor.mul@1", "tensor.div@1", "tensor.max@1", "tensor.min@1"})
  void nanInEitherOperandGivesNaN(String id) {
    for (DType d : List.of(DType.FLOAT32, DType.FLOAT16)) {
      Tensor a = vector(d, NAN, 1, NAN);
      Tensor b = vector(d, 1, NAN, NAN);
      assertThat(apply1(op(id), a, b).toFloatArray()).as(id + " " + d).containsExactly(NAN, NAN, NAN);
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void addPropagatesInfinities(DType d) {
    // inf+1 = inf, -inf+1 = -inf, inf+(-inf) = NaN, inf+inf = inf
    Tensor a = vector(d, INF, -INF, INF, INF);
    Tensor b = vector(d, 1, 1, -INF, INF);
    assertThat(apply1(ADD, a, b).toFloatArray()).containsExactly(INF, -INF, NAN, INF);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void subPropagatesInfinities(DType d) {
    // inf-inf = NaN, 1-inf = -inf, -inf-1 = -inf
    Tensor a = vector(d, INF, 1, -INF);
    Tensor b = vector(d, INF, INF, 1);
    assertThat(apply1(SUB, a, b).toFloatArray()).containsExactly(NAN, -INF, -INF);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void mulPropagatesInfinities(DType d) {
    // inf·-2 = -inf, inf·0 = NaN, -inf·-inf = inf
    Tensor a = vector(d, INF, INF, -INF);
    Tensor b = vector(d, -2, 0, -INF);
    assertThat(apply1(MUL, a, b).toFloatArray()).containsExactly(-INF, NAN, INF);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void divByInfinityAndOfInfinity(DType d) {
    // 1/inf = 0, inf/2 = inf, inf/inf = NaN
    Tensor a = vector(d, 1, INF, INF);
    Tensor b = vector(d, INF, 2, INF);
    assertThat(apply1(DIV, a, b).toFloatArray()).containsExactly(0f, INF, NAN);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void floatDivisionByZeroFollowsIeee(DType d) {
    // 1/0 = inf, -1/0 = -inf, 0/0 = NaN, 1/-0 = -inf
    Tensor a = vector(d, 1, -1, 0, 1);
    Tensor b = vector(d, 0, 0, 0, -0.0);
    assertThat(apply1(DIV, a, b).toFloatArray()).containsExactly(INF, -INF, NAN, -INF);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void maxAndMinHandleInfinities(DType d) {
    Tensor a = vector(d, -INF, INF, 3);
    Tensor b = vector(d, 3, 3, -INF);
    assertThat(apply1(MAX, a, b).toFloatArray()).containsExactly(3f, INF, 3f);
    assertThat(apply1(MIN, a, b).toFloatArray()).containsExactly(-INF, 3f, -INF);
  }

  @Test
  void float32ResultsAreRoundedToFloat() {
    // 1/3 in float32 is 0.33333334f (0x3EAAAAAB)
    assertThat(apply1(DIV, vector(DType.FLOAT32, 1), vector(DType.FLOAT32, 3)).toFloatArray())
        .containsExactly(0.33333334f);
  }

  @Test
  void float16ResultsAreRoundedToHalf() {
    // 1/3 -> 1365·2^-12 = 0.333251953125; 2048+1 -> tie -> 2048; 0.1·0.1 = 0.00999... -> 0.0099945068359375
    Tensor a = vector(DType.FLOAT16, 1, 2048, 0.1);
    Tensor b = vector(DType.FLOAT16, 3, 1, 0.1);
    assertThat(apply1(DIV, a, b).getFloat(0)).isEqualTo(0.333251953125f);
    assertThat(apply1(ADD, a, b).getFloat(1)).isEqualTo(2048f);
    assertThat(apply1(MUL, a, b).getFloat(2)).isEqualTo(0.0099945068359375f);
  }

  @Test
  void float16OverflowGivesInfinity() {
    // 65504 + 32 = 65536, beyond the largest half.
    assertThat(apply1(ADD, vector(DType.FLOAT16, 65504), vector(DType.FLOAT16, 32)).toFloatArray())
        .containsExactly(INF);
  }

  // --- int32 ---

  @Test
  void int32DivisionTruncatesTowardZero() {
    Tensor a = vector(DType.INT32, -7, 7, -7, 7, 1);
    Tensor b = vector(DType.INT32, 2, -2, -2, 2, 3);
    assertThat(apply1(DIV, a, b).toIntArray()).containsExactly(-3, -3, 3, 3, 0);
  }

  @Test
  void int32DivisionByZeroIsAnExecutionErrorNamingTheIndex() {
    Tensor a = vector(DType.INT32, 1, 2, 3, 4);
    Tensor b = vector(DType.INT32, 1, 1, 0, 0);
    assertOperatorError(OperatorException.Kind.EXECUTION, () -> DIV.apply(List.of(a, b), Attributes.empty()))
        .hasMessageContaining("tensor.div@1")
        .hasMessageContaining("division by zero")
        .hasMessageContaining("index 2");
  }

  @Test
  void int32DivisionByZeroPassesTheSpecCheck() {
    // Zero divisors are a data problem, not a shape problem.
    assertThat(DIV.outputSpecs(List.of(spec(DType.INT32, 2), spec(DType.INT32, 2)), Attributes.empty()))
        .containsExactly(spec(DType.INT32, 2));
  }

  @Test
  void int32AddAndSubWrapAround() {
    Tensor a = vector(DType.INT32, Integer.MAX_VALUE, Integer.MIN_VALUE);
    Tensor one = vector(DType.INT32, 1, 1);
    assertThat(apply1(ADD, a, one).toIntArray()).containsExactly(Integer.MIN_VALUE, Integer.MIN_VALUE + 1);
    assertThat(apply1(SUB, a, one).toIntArray()).containsExactly(Integer.MAX_VALUE - 1, Integer.MAX_VALUE);
  }

  @Test
  void int32MulWrapsAround() {
    // 65536·65536 = 2^32 ≡ 0; 65536·32768 = 2^31 ≡ -2^31
    Tensor a = vector(DType.INT32, 65536, 65536);
    Tensor b = vector(DType.INT32, 65536, 32768);
    assertThat(apply1(MUL, a, b).toIntArray()).containsExactly(0, Integer.MIN_VALUE);
  }

  @Test
  void int32MaxAndMinCoverTheExtremes() {
    Tensor a = vector(DType.INT32, Integer.MIN_VALUE, Integer.MAX_VALUE);
    Tensor b = vector(DType.INT32, 0, 0);
    assertThat(apply1(MAX, a, b).toIntArray()).containsExactly(0, Integer.MAX_VALUE);
    assertThat(apply1(MIN, a, b).toIntArray()).containsExactly(Integer.MIN_VALUE, 0);
  }

  // --- refusals ---

  @ParameterizedTest
  @ValueSource(strings = {"tensor.add@1", "tensor.sub@1", "tensor.mul@1", "tensor.div@1", "tensor.max@1", "tensor.min@1"})
  void mismatchedShapesAreBadInputNamingTheOperatorAndBothShapes(String id) {
    Tensor a = Tensor.float32(Shape.of(2, 3), new float[6]);
    Tensor b = Tensor.float32(Shape.of(3, 2), new float[6]);
    assertBadInput(() -> op(id).apply(List.of(a, b), Attributes.empty()))
        .hasMessageContaining(id)
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[3, 2]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tensor.add@1", "tensor.sub@1", "tensor.mul@1", "tensor.div@1", "tensor.max@1", "tensor.min@1"})
  void mismatchedDtypesAreBadInputNamingTheOperatorAndBothDtypes(String id) {
    Tensor a = Tensor.float32(Shape.of(2), new float[2]);
    Tensor b = Tensor.float16(Shape.of(2), new float[2]);
    assertBadInput(() -> op(id).apply(List.of(a, b), Attributes.empty()))
        .hasMessageContaining(id)
        .hasMessageContaining("float32")
        .hasMessageContaining("float16");
  }

  @Test
  void shapesThatCouldBroadcastAreStillRefused() {
    assertBadInput(() -> ADD.outputSpecs(List.of(spec(DType.FLOAT32, 2, 3), spec(DType.FLOAT32, 3)), Attributes.empty()))
        .hasMessageContaining("[2, 3] vs [3]");
    assertBadInput(() -> ADD.outputSpecs(List.of(spec(DType.FLOAT32, 2), spec(DType.FLOAT32)), Attributes.empty()))
        .hasMessageContaining("[2] vs []");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void needsExactlyTwoInputs(int count) {
    List<Tensor> inputs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      inputs.add(Tensor.int32(Shape.of(1), new int[] {1}));
    }
    assertBadInput(() -> SUB.apply(inputs, Attributes.empty()))
        .hasMessageContaining("tensor.sub@1")
        .hasMessageContaining("takes 2 inputs, got " + count);
  }

  @Test
  void outputSpecIsTheCommonSpec() {
    assertThat(MAX.outputSpecs(List.of(spec(DType.FLOAT16, 2, 5), spec(DType.FLOAT16, 2, 5)), Attributes.empty()))
        .containsExactly(spec(DType.FLOAT16, 2, 5));
  }
}
