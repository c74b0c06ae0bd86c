package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.apply;
import static dev.shoal.operators.TestTensors.axis;
import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.op;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReduceTest {

  private static final String SUM = "tensor.reduce_sum@1";
  private static final String MEAN = "tensor.reduce_mean@1";
  private static final String MAX = "tensor.reduce_max@1";
  private static final float NAN = Float.NaN;

  // [[1, 2, 3],
  //  [4, 5, 6]]
  private static final float[] X = {1, 2, 3, 4, 5, 6};

  private static Tensor x(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> f32(shape(2, 3), X);
      case FLOAT16 -> f16(shape(2, 3), X);
      case INT32 -> i32(shape(2, 3), 1, 2, 3, 4, 5, 6);
    };
  }

  private static Tensor of(DType dtype, Shape shape, float... v) {
    return switch (dtype) {
      case FLOAT32 -> f32(shape, v);
      case FLOAT16 -> f16(shape, v);
      case INT32 -> {
        int[] ints = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          ints[i] = (int) v[i];
        }
        yield i32(shape, ints);
      }
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float16", "int32"})
  void sumOverEachAxis(String wire) {
    DType d = DType.fromWireName(wire);
    assertThat(apply(SUM, axis(0), x(d))).isEqualTo(of(d, shape(3), 5, 7, 9));
    assertThat(apply(SUM, axis(1), x(d))).isEqualTo(of(d, shape(2), 6, 15));
    assertThat(apply(SUM, axis(-1), x(d))).isEqualTo(of(d, shape(2), 6, 15));
    assertThat(apply(SUM, axis(-2), x(d))).isEqualTo(of(d, shape(3), 5, 7, 9));
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float16", "int32"})
  void maxOverEachAxis(String wire) {
    DType d = DType.fromWireName(wire);
    assertThat(apply(MAX, axis(0), x(d))).isEqualTo(of(d, shape(3), 4, 5, 6));
    assertThat(apply(MAX, axis(1), x(d))).isEqualTo(of(d, shape(2), 3, 6));
    assertThat(apply(MAX, axis(-1), x(d))).isEqualTo(of(d, shape(2), 3, 6));
    assertThat(apply(MAX, axis(-2), x(d))).isEqualTo(of(d, shape(3), 4, 5, 6));
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float16"})
  void meanOverEachAxis(String wire) {
    DType d = DType.fromWireName(wire);
    assertThat(apply(MEAN, axis(0), x(d))).isEqualTo(of(d, shape(3), 2.5f, 3.5f, 4.5f));
    assertThat(apply(MEAN, axis(1), x(d))).isEqualTo(of(d, shape(2), 2, 5));
    assertThat(apply(MEAN, axis(-1), x(d))).isEqualTo(of(d, shape(2), 2, 5));
    assertThat(apply(MEAN, axis(-2), x(d))).isEqualTo(of(d, shape(3), 2.5f, 3.5f, 4.5f));
  }

  @Test
  void middleAxisOfA3dTensor() {
    // x[o][l][j] = 6o + 2l + j over [2, 3, 2]; summing l gives [[0+2+4, 1+3+5], [6+8+10, 7+9+11]].
    Tensor x = i32(shape(2, 3, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    assertThat(apply(SUM, axis(1), x)).isEqualTo(i32(shape(2, 2), 6, 9, 24, 27));
    assertThat(apply(MAX, axis(1), x)).isEqualTo(i32(shape(2, 2), 4, 5, 10, 11));
  }

  @Test
  void rankOneReducesToRankZero() {
    assertThat(apply(SUM, axis(0), f32(shape(3), 1, 2, 3))).isEqualTo(f32(shape(), 6));
    assertThat(apply(MEAN, axis(-1), f16(shape(3), 1, 2, 3))).isEqualTo(f16(shape(), 2));
    assertThat(apply(MAX, axis(0), i32(shape(3), 1, 7, 3))).isEqualTo(i32(shape(), 7));
    assertThat(apply(SUM, axis(0), i32(shape(3), 1, 7, 3)).shape().rank()).isZero();
  }

  @Test
  void sumOfAnEmptyAxisIsZero() {
    assertThat(apply(SUM, axis(1), f32(shape(2, 0)))).isEqualTo(f32(shape(2), 0, 0));
    assertThat(apply(SUM, axis(0), f16(shape(0, 3)))).isEqualTo(f16(shape(3), 0, 0, 0));
    assertThat(apply(SUM, axis(0), i32(shape(0)))).isEqualTo(i32(shape(), 0));
  }

  @Test
  void meanOfAnEmptyAxisIsNanForFloats() {
    assertThat(apply(MEAN, axis(1), f32(shape(2, 0)))).isEqualTo(f32(shape(2), NAN, NAN));
    assertThat(apply(MEAN, axis(0), f16(shape(0)))).isEqualTo(f16(shape(), NAN));
  }

  @Test
  void maxOfAnEmptyAxisIsRefused() {
    assertThat(badInput(() -> apply(MAX, axis(1), f32(shape(2, 0))))).hasMessage("tensor.reduce_max@1: empty axis 1 of [2, 0] has no maximum");
    assertThat(badInput(() -> apply(MAX, axis(-1), i32(shape(0))))).hasMessageContaining("empty axis 0");
    assertThat(badInput(() -> apply(MAX, axis(0), f16(shape(0, 3))))).hasMessageContaining("empty axis");
  }

  @Test
  void emptyOutputsOverNonEmptyAxesAreFine() {
    assertThat(apply(MAX, axis(1), f32(shape(0, 3)))).isEqualTo(f32(shape(0)));
    assertThat(apply(MEAN, axis(0), f32(shape(2, 0)))).isEqualTo(f32(shape(0)));
  }

  @Test
  void meanIsFloatOnly() {
    assertThat(badInput(() -> apply(MEAN, axis(0), x(DType.INT32))))
        .hasMessage("tensor.reduce_mean@1: needs a floating-point input (float32 or float16), got int32");
    assertThat(badInput(() -> apply(MEAN, axis(0), i32(shape(0))))).hasMessageContaining("floating-point");
  }

  @Test
  void int32SumWraps() {
    assertThat(apply(SUM, axis(0), i32(shape(2), Integer.MAX_VALUE, 1))).isEqualTo(i32(shape(), Integer.MIN_VALUE));
  }

  @Test
  void floatSumsAccumulateInDouble() {
    // In float32, 1e8 + 1 is 1e8 (floats are 8 apart there) and the sum would come out 0.
    assertThat(apply(SUM, axis(0), f32(shape(3), 1e8f, 1, -1e8f))).isEqualTo(f32(shape(), 1));
    assertThat(apply(MEAN, axis(0), f32(shape(4), 1e8f, 1, -1e8f, 1))).isEqualTo(f32(shape(), 0.5f));
  }

  @Test
  void float16SumsRoundOnce() {
    // 1 + 2^-11 + 2^-24 is just above the midpoint between halves 1 and 1 + 2^-10, so it rounds
    // up; going through float32 first would land exactly on the midpoint and round to even (1).
    assertThat(apply(SUM, axis(0), f16(shape(3), 1, 0x1p-11f, 0x1p-24f))).isEqualTo(f16(shape(), 1 + 0x1p-10f));
  }

  @Test
  void maxWithNanIsNan() {
    Tensor x = f32(shape(2, 2), 1, NAN, 3, Float.NEGATIVE_INFINITY);
    assertThat(apply(MAX, axis(0), x)).isEqualTo(f32(shape(2), 3, NAN));
    assertThat(apply(MAX, axis(1), x)).isEqualTo(f32(shape(2), NAN, 3));
    assertThat(apply(SUM, axis(1), x)).isEqualTo(f32(shape(2), NAN, Float.NEGATIVE_INFINITY));
  }

  @ParameterizedTest
  @ValueSource(strings = {SUM, MEAN, MAX})
  void axisMustBeInRange(String id) {
    Tensor x = x(DType.FLOAT32);
    assertThat(badInput(() -> apply(id, axis(2), x)))
        .hasMessage(id + ": axis 2 is out of range for rank 2 input [2, 3] (allowed -2..1)");
    assertThat(badInput(() -> apply(id, axis(-3), x))).hasMessageContaining("axis -3 is out of range");
    assertThat(badInput(() -> apply(id, axis(Long.MIN_VALUE), x))).hasMessageContaining("out of range");
    assertThat(badInput(() -> apply(id, axis(0), f32(shape(), 1)))).hasMessage(id + ": axis 0 is out of range for rank 0 input [] (it has no axis to reduce)");
  }

  @ParameterizedTest
  @ValueSource(strings = {SUM, MEAN, MAX})
  void axisIsARequiredInteger(String id) {
    Tensor x = x(DType.FLOAT32);
    assertThat(badInput(() -> apply(id, x))).hasMessage(id + ": attribute 'axis' is missing");
    assertThat(badInput(() -> apply(id, Attributes.builder().put("axis", 1.0).build(), x)))
        .hasMessage(id + ": attribute 'axis' must be an integer, got a number");
    assertThat(badInput(() -> apply(id, Attributes.builder().putInts("axis", 1).build(), x)))
        .hasMessage(id + ": attribute 'axis' must be an integer, got a list of integers");
    assertThat(badInput(() -> apply(id, Attributes.builder().put("axis", 1).put("keepdims", 1).build(), x)))
        .hasMessage(id + ": unknown attribute 'keepdims'; it takes [axis]");
  }

  @ParameterizedTest
  @ValueSource(strings = {SUM, MEAN, MAX})
  void takesOneInput(String id) {
    Tensor x = x(DType.FLOAT32);
    assertThat(badInput(() -> apply(id, axis(0), x, x))).hasMessage(id + ": takes 1 input, got 2");
    assertThat(badInput(() -> op(id).outputSpecs(List.of(), axis(0)))).hasMessage(id + ": takes 1 input, got 0");
  }

  @Test
  void specsWithoutData() {
    assertThat(op(SUM).outputSpecs(List.of(spec(DType.INT32, 4, 5, 6)), axis(-2))).containsExactly(spec(DType.INT32, 4, 6));
    assertThat(op(MEAN).outputSpecs(List.of(spec(DType.FLOAT16, 7)), axis(0))).containsExactly(spec(DType.FLOAT16));
  }
}
