package dev.shoal.orchestrator.internal.jobs;

import static dev.shoal.orchestrator.internal.jobs.JobPlannerTest.assertInvalid;
import static dev.shoal.orchestrator.internal.jobs.JobPlannerTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TensorJsonTest {

  static Stream<Arguments> tensorsInBothForms() {
    Tensor f32 = Tensor.float32(Shape.of(2, 3), new float[] {1.5f, -2f, 0f, 3.25e-7f, Float.MAX_VALUE, -0.1f});
    Tensor f16 = Tensor.float16(Shape.of(4), new float[] {1f, -0.5f, 65504f, 0.0009765625f});
    Tensor i32 = Tensor.int32(Shape.of(1, 2, 2), new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE});
    Tensor scalar = Tensor.float32(Shape.of(), new float[] {42f});
    Tensor empty = Tensor.int32(Shape.of(0, 3), new int[0]);
    return Stream.of(f32, f16, i32, scalar, empty)
        .flatMap(t -> Stream.of(Arguments.of(t, TensorJson.Format.DATA), Arguments.of(t, TensorJson.Format.VALUES)));
  }

  @ParameterizedTest
  @MethodSource("tensorsInBothForms")
  void roundTrips(Tensor t, TensorJson.Format format) {
    JsonNode node = TensorJson.toNode(t, format);

    assertThat(node.get("dtype").asText()).isEqualTo(t.dtype().wireName());
    assertThat(node.has(format == TensorJson.Format.DATA ? "data" : "values")).isTrue();
    Tensor back = TensorJson.parse(node, "t");
    assertThat(back.dtype()).isEqualTo(t.dtype());
    assertThat(back.shape().dims()).containsExactly(t.shape().dims());
    assertThat(back.toLittleEndianBytes()).isEqualTo(t.toLittleEndianBytes());
  }

  @Test
  void dataIsBase64OfLittleEndianBytes() {
    JsonNode node = TensorJson.toNode(Tensor.int32(Shape.of(2), new int[] {1, 256}), TensorJson.Format.DATA);

    assertThat(Base64.getDecoder().decode(node.get("data").asText())).containsExactly(1, 0, 0, 0, 0, 1, 0, 0);
  }

  @Test
  void nanAndInfinitiesAreWrittenAndReadAsStrings() {
    Tensor t =
        Tensor.float32(Shape.of(4), new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f});

    JsonNode node = TensorJson.toNode(t, TensorJson.Format.VALUES);

    assertThat(node.get("values")).isEqualTo(json("['NaN', 'Infinity', '-Infinity', 1.0]"));
    float[] back = TensorJson.parse(node, "t").toFloatArray();
    assertThat(back[0]).isNaN();
    assertThat(back[1]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(back[2]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(back[3]).isEqualTo(1f);
  }

  @Test
  void float16InfinityRoundTripsThroughStrings() {
    Tensor t = TensorJson.parse(json("{'dtype': 'float16', 'shape': [2], 'values': ['-Infinity', 'NaN']}"), "t");

    assertThat(t.dtype()).isEqualTo(DType.FLOAT16);
    assertThat(TensorJson.toNode(t, TensorJson.Format.VALUES).get("values")).isEqualTo(json("['-Infinity', 'NaN']"));
  }

  @Test
  void integerValuesAreAcceptedForFloats() {
    Tensor t = TensorJson.parse(json("{'dtype': 'float32', 'shape': [2], 'values': [1, 2.5]}"), "t");

    assertThat(t.toFloatArray()).containsExactly(1f, 2.5f);
  }

  @Test
  void refusesWhatItCannotRepresent() {
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float32', 'shape': [1], 'values': [1e39]}"), "x"),
        "x.values[0] 1.0E39 is outside the float32 range");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float16', 'shape': [1], 'values': [70000]}"), "x"),
        "x.values[0] 70000 is outside the float16 range");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'int32', 'shape': [1], 'values': [1.5]}"), "x"),
        "x.values[0] must be an integer");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'int32', 'shape': [1], 'values': ['NaN']}"), "x"),
        "x.values[0] must be an integer");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float32', 'shape': [1], 'values': ['nan']}"), "x"),
        "x.values[0] must be a number or one of");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float32', 'shape': [1], 'values': [[1]]}"), "x"),
        "x.values[0] must be a number, got a list");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float32', 'shape': [65536, 65536], 'data': ''}"), "x"),
        "x.shape describes a tensor larger than");
    assertInvalid(
        () -> TensorJson.parse(json("{'dtype': 'float32', 'shape': [1], 'values': [1], 'extra': 1}"), "x"),
        "x has an unknown field 'extra'");
    assertInvalid(() -> TensorJson.parse(json("{'shape': [1], 'values': [1]}"), "x"), "x.dtype must be one of");
    assertInvalid(() -> TensorJson.parse(json("{'dtype': 'float32', 'values': [1]}"), "x"), "x.shape must be a list");
    assertInvalid(() -> TensorJson.parse(json("[1, 2]"), "x"), "x must be a tensor object");
  }

  @Test
  void formatQueryValues() {
    assertThat(TensorJson.Format.fromQuery(null)).isEqualTo(TensorJson.Format.DATA);
    assertThat(TensorJson.Format.fromQuery("values")).isEqualTo(TensorJson.Format.VALUES);
    assertInvalid(() -> TensorJson.Format.fromQuery("csv"), "format must be 'data' or 'values'");
  }
}
