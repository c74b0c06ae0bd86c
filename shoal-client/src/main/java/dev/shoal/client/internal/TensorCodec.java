package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.client.ProtocolException;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Tensors in the API's JSON: always sent as base64 {@code data}; read in either form. */
public final class TensorCodec {

  private TensorCodec() {}

  public static ObjectNode toJson(Tensor t) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("dtype", t.dtype().wireName());
    var shape = o.putArray("shape");
    for (int d : t.shape().dims()) {
      shape.add(d);
    }
    o.put("data", Base64.getEncoder().encodeToString(t.toLittleEndianBytes()));
    return o;
  }

  /** Reads a tensor the orchestrator wrote; anything malformed is the server's fault. */
  public static Tensor fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw malformed("a tensor is not a JSON object");
    }
    DType dtype = null;
    for (DType d : DType.values()) {
      if (d.wireName().equals(o.path("dtype").asText())) {
        dtype = d;
      }
    }
    if (dtype == null) {
      throw malformed("unknown tensor dtype " + o.path("dtype"));
    }
    JsonNode shapeNode = o.path("shape");
    if (!shapeNode.isArray()) {
      throw malformed("a tensor has no shape");
    }
    int[] dims = new int[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shapeNode.get(i).canConvertToInt() ? shapeNode.get(i).asInt(-1) : -1;
      if (dims[i] < 0) {
        throw malformed("bad tensor shape " + shapeNode);
      }
      count *= dims[i];
      if (count > Integer.MAX_VALUE) {
        throw malformed("a tensor of shape " + shapeNode + " has more elements than an array can hold");
      }
    }
    Shape shape;
    try {
      shape = Shape.of(dims);
    } catch (IllegalArgumentException e) {
      throw malformed("bad tensor shape " + shapeNode + ": " + e.getMessage());
    }
    if (o.has("data")) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(o.get("data").asText());
      } catch (IllegalArgumentException e) {
        throw malformed("tensor data is not base64");
      }
      long size = count * (dtype == DType.FLOAT16 ? 2 : 4);
      if (bytes.length != size) {
        throw malformed("tensor data has " + bytes.length + " bytes, shape needs " + size);
      }
      return Tensor.fromLittleEndian(dtype, shape, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }
    JsonNode values = o.path("values");
    if (!values.isArray() || values.size() != count) {
      throw malformed("tensor has neither data nor " + count + " values");
    }
    if (dtype == DType.INT32) {
      int[] ints = new int[values.size()];
      for (int i = 0; i < ints.length; i++) {
        ints[i] = values.get(i).intValue();
      }
      return Tensor.int32(shape, ints);
    }
    float[] floats = new float[values.size()];
    for (int i = 0; i < floats.length; i++) {
      JsonNode v = values.get(i);
      floats[i] =
          v.isTextual()
              ? switch (v.textValue()) {
                case "NaN" -> Float.NaN;
                case "Infinity" -> Float.POSITIVE_INFINITY;
                case "-Infinity" -> Float.NEGATIVE_INFINITY;
                default -> throw malformed("bad tensor value " + v);
              }
              : v.floatValue();
    }
    return dtype == DType.FLOAT16 ? Tensor.float16(shape, floats) : Tensor.float32(shape, floats);
  }

  private static ProtocolException malformed(String what) {
    return new ProtocolException(0, "the orchestrator sent a malformed tensor: " + what, null);
  }
}
