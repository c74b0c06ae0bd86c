package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.apply1;
import static dev.shoal.operators.OperatorTestSupport.assertBadInput;
import static dev.shoal.operators.OperatorTestSupport.op;
import static dev.shoal.operators.OperatorTestSupport.spec;
import static dev.shoal.operators.OperatorTestSupport.tensor;
import static dev.shoal.operators.OperatorTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** tensor.relu|tanh|sigmoid|exp|log@1. */
class UnaryOperatorsTest {

  private static final float INF = Float.POSITIVE_INFINITY;
  private static final float NAN = Float.NaN;

  private static final Operator RELU = op("tensor.relu@1");
  private static final Operator TANH = op("tensor.tanh@1");
  private static final Operator SIGMOID = op("tensor.sigmoid@1");
  private static final Operator EXP = op("tensor.exp@1");
  private static final Operator LOG = op("tensor.log@1");

  private static float[] f32(Operator op, double... in) {
    return apply1(op, vector(DType.FLOAT32, in)).toFloatArray();
  }

  private static float[] f16(Operator op, double... in) {
    Tensor out = apply1(op, vector(DType.FLOAT16, in));
    assertThat(out.dtype()).isEqualTo(DType.FLOAT16);
    return out.toFloatArray();
  }

  // --- relu ---

  @Test
  void reluOnInt32ZeroesNegatives() {
    Tensor in = vector(DType.INT32, -5, 0, 7, Integer.MIN_VALUE, Integer.MAX_VALUE);
    assertThat(apply1(RELU, in)).isEqualTo(vector(DType.INT32, 0, 0, 7, 0, Integer.MAX_VALUE));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void reluOnFloatsZeroesNegativesAndKeepsNaN(DType d) {
    Tensor out = apply1(RELU, vector(d, -2, 0, 3.5, NAN, INF, -INF));
    assertThat(out.dtype()).isEqualTo(d);
    assertThat(out.toFloatArray()).containsExactly(0f, 0f, 3.5f, NAN, INF, 0f);
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void reluKeepsTheShape(DType d) {
    Tensor in = tensor(d, Shape.of(2, 2), -1, 1, -2, 2);
    assertThat(apply1(RELU, in)).isEqualTo(tensor(d, Shape.of(2, 2), 0, 1, 0, 2));
  }

  // --- tanh ---

  @Test
  void tanhAtAFewPoints() {
    // tanh(1) = 0.76159416, tanh(-0.5) = -0.46211716
    float[] out = f32(TANH, 0, 1, -0.5, INF, -INF, NAN);
    assertThat(out[0]).isEqualTo(0f);
    assertThat(out[1]).isCloseTo(0.76159416f, within(1e-6f));
    assertThat(out[2]).isCloseTo(-0.46211716f, within(1e-6f));
    assertThat(out[3]).isEqualTo(1f);
    assertThat(out[4]).isEqualTo(-1f);
    assertThat(out[5]).isNaN();
  }

  @Test
  void tanhOnFloat16IsRoundedToHalf() {
    // tanh(1)·2048 = 1559.75 -> 1560/2048
    assertThat(f16(TANH, 1)).containsExactly(0.76171875f);
  }

  // --- sigmoid ---

  @Test
  void sigmoidAtAFewPoints() {
    // 1/(1+e^-2) = 0.88079708, 1/(1+e^2) = 0.11920292
    float[] out = f32(SIGMOID, 0, 2, -2, INF, -INF, NAN);
    assertThat(out[0]).isEqualTo(0.5f);
    assertThat(out[1]).isCloseTo(0.88079708f, within(1e-6f));
    assertThat(out[2]).isCloseTo(0.11920292f, within(1e-6f));
    assertThat(out[3]).isEqualTo(1f);
    assertThat(out[4]).isEqualTo(0f);
    assertThat(out[5]).isNaN();
  }

  @Test
  void sigmoidOnFloat16IsRoundedToHalf() {
    // sigmoid(2)·2048 = 1803.87 -> 1804/2048
    assertThat(f16(SIGMOID, 0, 2)).containsExactly(0.5f, 0.880859375f);
  }

  // --- exp ---

  @Test
  void expAtAFewPoints() {
    // e = 2.7182817, e^-1 = 0.36787944
    float[] out = f32(EXP, 0, 1, -1, -INF, INF, NAN);
    assertThat(out[0]).isEqualTo(1f);
    assertThat(out[1]).isCloseTo(2.7182817f, within(1e-6f));
    assertThat(out[2]).isCloseTo(0.36787944f, within(1e-6f));
    assertThat(out[3]).isEqualTo(0f);
    assertThat(out[4]).isEqualTo(INF);
    assertThat(out[5]).isNaN();
  }

  @Test
  void expOverflowingFloat32IsInfinity() {
    // e^100 ≈ 2.7e43 > 3.4e38
    assertThat(f32(EXP, 100)).containsExactly(INF);
  }

  @Test
  void expOnFloat16IsRoundedAndOverflowsEarly() {
    // e·512 = 1391.76 -> 1392/512 = 2.71875; e^11 = 59874.14 -> nearest multiple of 32 = 59872;
    // e^12 = 162754.8 > 65504 -> infinity
    assertThat(f16(EXP, 1, 11, 12)).containsExactly(2.71875f, 59872f, INF);
  }

  // --- log ---

  @Test
  void logAtAFewPoints() {
    float[] out = f32(LOG, 1, Math.E, 0.5, INF, NAN);
    assertThat(out[0]).isEqualTo(0f);
    assertThat(out[1]).isCloseTo(1f, within(1e-6f));
    assertThat(out[2]).isCloseTo(-0.6931472f, within(1e-6f));
    assertThat(out[3]).isEqualTo(INF);
    assertThat(out[4]).isNaN();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void logOfZeroIsNegativeInfinity(DType d) {
    assertThat(apply1(LOG, vector(d, 0, -0.0)).toFloatArray()).containsExactly(-INF, -INF);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void logOfANegativeNumberIsNaN(DType d) {
    assertThat(apply1(LOG, vector(d, -1, -INF)).toFloatArray()).containsExactly(NAN, NAN);
  }

  @Test
  void logOnFloat16IsRoundedToHalf() {
    // ln 2 · 2048 = 1419.57 -> 1420/2048
    assertThat(f16(LOG, 2)).containsExactly(0.693359375f);
  }

  // --- refusals ---

  @ParameterizedTest
  @ValueSource(strings = {"tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1"})
  void int32InputIsBadInput(String id) {
    Tensor in = vector(DType.INT32, 1, 2);
    assertBadInput(() -> op(id).apply(List.of(in), Attributes.empty()))
        .hasMessageContaining(id)
        .hasMessageContaining("int32");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tensor.relu@1", "tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1"})
  void needsExactlyOneInput(String id) {
    Tensor in = vector(DType.FLOAT32, 1);
    assertBadInput(() -> op(id).apply(List.of(in, in), Attributes.empty()))
        .hasMessageContaining(id)
        .hasMessageContaining("takes 1 input, got 2");
    assertBadInput(() -> op(id).apply(List.of(), Attributes.empty())).hasMessageContaining("takes 1 input, got 0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tensor.relu@1", "tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1"})
  void outputSpecIsTheInputSpec(String id) {
    assertThat(op(id).outputSpecs(List.of(spec(DType.FLOAT16, 3, 1, 2)), Attributes.empty()))
        .containsExactly(spec(DType.FLOAT16, 3, 1, 2));
  }

  @Test
  void worksOnScalarsAndEmptyTensors() {
    assertThat(apply1(EXP, tensor(DType.FLOAT32, Shape.of(), 0))).isEqualTo(tensor(DType.FLOAT32, Shape.of(), 1));
    assertThat(apply1(LOG, tensor(DType.FLOAT32, Shape.of(2, 0)))).isEqualTo(tensor(DType.FLOAT32, Shape.of(2, 0)));
  }
}
