package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.apply;
import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.op;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ElementwiseUnaryTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;

  @Test
  void reluOfFloats() {
    float[] x = {-1, 0, 2.5f, -0f, NAN, -INF, INF};
    // relu(-0.0) is +0.0: the result of "max with 0" should not carry a sign.
    float[] expected = {0, 0, 2.5f, 0, NAN, 0, INF};
    assertThat(apply("tensor.relu@1", f32(shape(7), x))).isEqualTo(f32(shape(7), expected));
    assertThat(apply("tensor.relu@1", f16(shape(7), x))).isEqualTo(f16(shape(7), expected));
  }

  @Test
  void reluOfInts() {
    assertThat(apply("tensor.relu@1", i32(shape(5), -3, 0, 4, Integer.MIN_VALUE, Integer.MAX_VALUE)))
        .isEqualTo(i32(shape(5), 0, 0, 4, 0, Integer.MAX_VALUE));
  }

  @Test
  void tanhByHand() {
    // tanh(1) = 0.76159415...
    float[] out = apply("tensor.tanh@1", f32(shape(6), 0, 1, -1, INF, -INF, NAN)).toFloatArray();
    assertThat(out[0]).isZero();
    assertThat(out[1]).isCloseTo(0.7615942f, within(1e-7f));
    assertThat(out[2]).isCloseTo(-0.7615942f, within(1e-7f));
    assertThat(out).endsWith(1, -1, NAN);
    // The nearest half to 0.76159 is 1560/2048.
    assertThat(apply("tensor.tanh@1", f16(shape(1), 1)).toFloatArray()).containsExactly(0.76171875f);
  }

  @Test
  void sigmoidByHand() {
    // sigmoid(2) = 1/(1+e^-2) = 0.88079708...; sigmoid(-2) = 0.11920292...
    float[] out = apply("tensor.sigmoid@1", f32(shape(7), 0, 2, -2, INF, -INF, -1000, NAN)).toFloatArray();
    assertThat(out[0]).isEqualTo(0.5f);
    assertThat(out[1]).isCloseTo(0.8807971f, within(1e-7f));
    assertThat(out[2]).isCloseTo(0.1192029f, within(1e-7f));
    assertThat(out).endsWith(1, 0, 0, NAN);
    assertThat(apply("tensor.sigmoid@1", f16(shape(2), 0, 20)).toFloatArray()).containsExactly(0.5f, 1);
  }

  @Test
  void expByHand() {
    float[] out = apply("tensor.exp@1", f32(shape(6), 0, 1, -INF, INF, 100, NAN)).toFloatArray();
    assertThat(out[0]).isEqualTo(1);
    assertThat(out[1]).isCloseTo(2.7182817f, within(1e-6f));
    // e^100 is beyond float32.
    assertThat(out).endsWith(0, INF, INF, NAN);
    // e = 2.71828 lies between halves 2.716796875 and 2.71875 (spacing 2^-9); e^12 is beyond float16.
    assertThat(apply("tensor.exp@1", f16(shape(2), 1, 12)).toFloatArray()).containsExactly(2.71875f, INF);
  }

  @Test
  void logByHand() {
    float[] out = apply("tensor.log@1", f32(shape(7), 1, (float) Math.E, 0, -0f, -1, INF, NAN)).toFloatArray();
    assertThat(out[0]).isZero();
    assertThat(out[1]).isCloseTo(1f, within(1e-7f));
    // IEEE: log(±0) = -inf, log of a negative number is NaN.
    assertThat(out).endsWith(-INF, -INF, NAN, INF, NAN);
    // ln 2 = 0.693147 rounds to the half 1420/2048.
    assertThat(apply("tensor.log@1", f16(shape(3), 2, 0, -4)).toFloatArray()).containsExactly(0.693359375f, -INF, NAN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tanh", "sigmoid", "exp", "log"})
  void int32IsRejectedByFloatOnlyOperators(String name) {
    String id = "tensor." + name + "@1";
    assertThat(badInput(() -> apply(id, i32(shape(2), 1, 2))))
        .hasMessage(id + ": needs a floating-point input (float32 or float16), got int32");
  }

  @ParameterizedTest
  @ValueSource(strings = {"relu", "tanh", "sigmoid", "exp", "log"})
  void keepDTypeAndShapeAndTakeOneInput(String name) {
    String id = "tensor." + name + "@1";
    assertThat(op(id).outputSpecs(List.of(spec(DType.FLOAT16, 2, 0, 3)), Attributes.empty()))
        .containsExactly(spec(DType.FLOAT16, 2, 0, 3));
    assertThat(apply(id, f32(shape(), 1)).shape()).isEqualTo(shape());
    Tensor t = f32(shape(1), 1);
    assertThat(badInput(() -> apply(id, t, t))).hasMessage(id + ": takes 1 input, got 2");
    assertThat(badInput(() -> apply(id))).hasMessage(id + ": takes 1 input, got 0");
  }
}
