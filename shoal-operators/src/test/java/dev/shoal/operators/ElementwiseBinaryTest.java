package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.apply;
import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.failure;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.op;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ElementwiseBinaryTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;
  private static final int MAX = Integer.MAX_VALUE;
  private static final int MIN = Integer.MIN_VALUE;

  // Exactly representable in float16 too, so both float dtypes share the vectors.
  private static final float[] X = {1, -2, 3.5f, 0, 6, -7};
  private static final float[] Y = {2, 4, -0.5f, 5, 6, 8};

  private static Tensor floats(DType dtype, float... v) {
    return dtype == DType.FLOAT16 ? f16(shape(2, 3), v) : f32(shape(2, 3), v);
  }

  private static float[] run(String name, DType dtype) {
    Tensor out = apply("tensor." + name + "@1", floats(dtype, X), floats(dtype, Y));
    assertThat(out.dtype()).isEqualTo(dtype);
    assertThat(out.shape()).isEqualTo(shape(2, 3));
    return out.toFloatArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float16"})
  void floatArithmeticByHand(String wire) {
    DType d = DType.fromWireName(wire);
    assertThat(run("add", d)).containsExactly(3, 2, 3, 5, 12, 1);
    assertThat(run("sub", d)).containsExactly(-1, -6, 4, -5, 0, -15);
    assertThat(run("mul", d)).containsExactly(2, -8, -1.75f, 0, 36, -56);
    assertThat(run("div", d)).containsExactly(0.5f, -0.5f, -7, 0, 1, -0.875f);
    assertThat(run("max", d)).containsExactly(2, 4, 3.5f, 5, 6, 8);
    assertThat(run("min", d)).containsExactly(1, -2, -0.5f, 0, 6, -7);
  }

  @Test
  void float16ResultsAreRoundedToHalf() {
    // 2048 + 1 = 2049 is a tie between halves 2048 and 2050: to even. 1/3 -> 0x3555.
    assertThat(apply("tensor.add@1", f16(shape(1), 2048), f16(shape(1), 1)).toFloatArray()).containsExactly(2048);
    assertThat(apply("tensor.div@1", f16(shape(1), 1), f16(shape(1), 3)).toFloatArray()).containsExactly(0.333251953125f);
    assertThat(apply("tensor.mul@1", f16(shape(1), 256), f16(shape(1), 256)).toFloatArray()).containsExactly(INF);
  }

  @Test
  void int32ArithmeticByHand() {
    Tensor x = i32(shape(2, 3), 7, -7, 7, -7, 0, 5);
    Tensor y = i32(shape(2, 3), 2, 2, -2, -2, 3, 5);
    assertThat(apply("tensor.add@1", x, y).toIntArray()).containsExactly(9, -5, 5, -9, 3, 10);
    assertThat(apply("tensor.sub@1", x, y).toIntArray()).containsExactly(5, -9, 9, -5, -3, 0);
    assertThat(apply("tensor.mul@1", x, y).toIntArray()).containsExactly(14, -14, -14, 14, 0, 25);
    // Truncation toward zero, not floor.
    assertThat(apply("tensor.div@1", x, y).toIntArray()).containsExactly(3, -3, -3, 3, 0, 1);
    assertThat(apply("tensor.max@1", x, y).toIntArray()).containsExactly(7, 2, 7, -2, 3, 5);
    assertThat(apply("tensor.min@1", x, y).toIntArray()).containsExactly(2, -7, -2, -7, 0, 5);
  }

  @Test
  void int32WrapsOnOverflow() {
    Tensor x = i32(shape(3), MAX, MIN, 65536);
    Tensor y = i32(shape(3), 1, -1, 65536);
    assertThat(apply("tensor.add@1", x, y).toIntArray()).containsExactly(MIN, MAX, 131072);
    assertThat(apply("tensor.sub@1", x, y).toIntArray()).containsExactly(MAX - 1, MIN + 1, 0);
    assertThat(apply("tensor.mul@1", x, y).toIntArray()).containsExactly(MAX, MIN, 0);
    assertThat(apply("tensor.div@1", x, y).toIntArray()).containsExactly(MAX, MIN, 1);
  }

  @Test
  void nanAndInfinitiesFollowIeee() {
    Tensor x = f32(shape(5), NAN, INF, -INF, INF, 1);
    Tensor y = f32(shape(5), 1, 1, 1, -INF, NAN);
    assertThat(apply("tensor.add@1", x, y).toFloatArray()).containsExactly(NAN, INF, -INF, NAN, NAN);
    assertThat(apply("tensor.sub@1", x, y).toFloatArray()).containsExactly(NAN, INF, -INF, INF, NAN);
    assertThat(apply("tensor.mul@1", x, y).toFloatArray()).containsExactly(NAN, INF, -INF, -INF, NAN);
    assertThat(apply("tensor.div@1", x, y).toFloatArray()).containsExactly(NAN, INF, -INF, NAN, NAN);
    assertThat(apply("tensor.mul@1", f32(shape(1), INF), f32(shape(1), 0)).toFloatArray()).containsExactly(NAN);
  }

  @Test
  void maxAndMinWithNanAreNan() {
    Tensor x = f32(shape(4), NAN, 1, INF, -0f);
    Tensor y = f32(shape(4), 1, NAN, -INF, 0f);
    assertThat(apply("tensor.max@1", x, y).toFloatArray()).containsExactly(NAN, NAN, INF, 0f);
    assertThat(apply("tensor.min@1", x, y).toFloatArray()).containsExactly(NAN, NAN, -INF, -0f);
    assertThat(apply("tensor.max@1", f16(shape(1), NAN), f16(shape(1), 1)).toFloatArray()).containsExactly(NAN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float16"})
  void floatDivisionByZeroIsIeee(String wire) {
    DType d = DType.fromWireName(wire);
    Tensor x = d == DType.FLOAT16 ? f16(shape(5), 1, -1, 0, -1, NAN) : f32(shape(5), 1, -1, 0, -1, NAN);
    Tensor y = d == DType.FLOAT16 ? f16(shape(5), 0, 0, 0, -0f, 0) : f32(shape(5), 0, 0, 0, -0f, 0);
    assertThat(apply("tensor.div@1", x, y).toFloatArray()).containsExactly(INF, -INF, NAN, INF, NAN);
  }

  @Test
  void int32DivisionByZeroFailsNamingTheIndex() {
    Tensor x = i32(shape(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor y = i32(shape(2, 3), 1, 1, 1, 1, 0, 0);
    assertThat(failure(OperatorException.Kind.EXECUTION, () -> op("tensor.div@1").apply(List.of(x, y), Attributes.empty())))
        .hasMessage("tensor.div@1: int32 division by zero at index 4 [1, 1]");
    // The checks pass: it is the data that is at fault.
    assertThat(op("tensor.div@1").outputSpecs(List.of(x.spec(), y.spec()), Attributes.empty())).containsExactly(x.spec());
  }

  @Test
  void scalarsAndEmptyTensors() {
    assertThat(apply("tensor.sub@1", i32(shape(), 5), i32(shape(), 7))).isEqualTo(i32(shape(), -2));
    assertThat(apply("tensor.div@1", i32(shape(0, 2)), i32(shape(0, 2)))).isEqualTo(i32(shape(0, 2)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"add", "sub", "mul", "div", "max", "min"})
  void rejectsMismatchedShapes(String name) {
    String id = "tensor." + name + "@1";
    assertThat(badInput(() -> apply(id, f32(shape(2, 3), X), f32(shape(3, 2), Y))))
        .hasMessage(id + ": shapes differ: [2, 3] vs [3, 2]");
    assertThat(badInput(() -> op(id).outputSpecs(List.of(spec(DType.INT32, 6), spec(DType.INT32, 1, 6)), Attributes.empty())))
        .hasMessage(id + ": shapes differ: [6] vs [1, 6]");
    // No broadcasting, not even of a scalar.
    assertThat(badInput(() -> apply(id, f32(shape(2, 3), X), f32(shape(), 1)))).hasMessageContaining("shapes differ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"add", "sub", "mul", "div", "max", "min"})
  void rejectsMismatchedDTypes(String name) {
    String id = "tensor." + name + "@1";
    assertThat(badInput(() -> apply(id, f32(shape(2, 3), X), f16(shape(2, 3), Y))))
        .hasMessage(id + ": dtypes differ: float32 vs float16");
    assertThat(badInput(() -> apply(id, i32(shape(1), 1), f32(shape(1), 1)))).hasMessage(id + ": dtypes differ: int32 vs float32");
  }

  @ParameterizedTest
  @ValueSource(strings = {"add", "sub", "mul", "div", "max", "min"})
  void rejectsWrongArity(String name) {
    String id = "tensor." + name + "@1";
    Tensor t = f32(shape(1), 1);
    assertThat(badInput(() -> apply(id, t))).hasMessage(id + ": takes 2 inputs, got 1");
    assertThat(badInput(() -> apply(id, t, t, t))).hasMessage(id + ": takes 2 inputs, got 3");
    assertThat(badInput(() -> op(id).outputSpecs(List.of(), Attributes.empty()))).hasMessage(id + ": takes 2 inputs, got 0");
  }
}
