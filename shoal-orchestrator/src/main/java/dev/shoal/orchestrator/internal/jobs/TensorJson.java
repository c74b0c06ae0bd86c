package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.http.ApiException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The tensor JSON codec of the client API. A tensor is {@code {"dtype","shape","values"}} (a flat,
 * row-major list of numbers; floats may also be the strings "NaN", "Infinity", "-Infinity") or
 * {@code {"dtype","shape","data"}} (base64 of the little-endian bytes). Parsing checks everything
 * and names the offending path; writing streams, so large tensors never become a JSON tree.
 * Stateless and thread-safe.
 */
public final class TensorJson {

  /** Most dimensions a tensor may have, as the protocol allows. */
  public static final int MAX_RANK = 8;

  /** Largest tensor, in bytes, a Java array can hold. */
  private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

  /** Smallest magnitude that rounds to infinity in IEEE binary16 (round to nearest even). */
  private static final double FLOAT16_OVERFLOW = 65520.0;

  private static final Set<String> FIELDS = Set.of("dtype", "shape", "values", "data");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** How tensors are written in responses. */
  public enum Format {
    /** {@code "data"}: base64 of the little-endian bytes. Compact and exact; the default. */
    DATA,
    /** {@code "values"}: a list of numbers, for people and quick scripts. */
    VALUES;

    /** Parses the {@code ?format=} query value; null or empty means {@link #DATA}. */
    public static Format fromQuery(String value) {
      if (value == null || value.isEmpty() || value.equals("data")) {
        return DATA;
      }
      if (value.equals("values")) {
        return VALUES;
      }
      throw ApiException.invalidArgument("format must be 'data' or 'values', got '" + printable(value) + "'");
    }
  }

  private TensorJson() {}

  /**
   * Parses and checks one tensor; {@code path} names it in error messages
   * ({@code tasks[3].inputs[0]}).
   *
   * @throws ApiException {@code invalid_argument} on any problem
   */
  public static Tensor parse(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw invalid(path, "must be a tensor object {\"dtype\", \"shape\", \"values\" or \"data\"}");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw invalid(path, "has an unknown field '" + printable(name) + "'");
      }
    }
    DType dtype = parseDType(node.get("dtype"), path + ".dtype");
    int[] dims = parseShape(node.get("shape"), path + ".shape");
    long count = elementCount(dims, dtype, path + ".shape");
    JsonNode values = node.get("values");
    JsonNode data = node.get("data");
    if ((values == null) == (data == null)) {
      throw invalid(path, "must have exactly one of \"values\" and \"data\"");
    }
    return values != null
        ? fromValues(dtype, dims, count, values, path + ".values")
        : fromData(dtype, dims, count, data, path + ".data");
  }

  /** The dtype and shape fields of {@code node} (a tensor whose bytes are elsewhere). */
  static TensorSpec parseSpec(JsonNode node, String path) {
    DType dtype = parseDType(node.get("dtype"), path + ".dtype");
    int[] dims = parseShape(node.get("shape"), path + ".shape");
    elementCount(dims, dtype, path + ".shape");
    return new TensorSpec(dtype, Shape.of(dims));
  }

  /** Writes {@code t} as one JSON object in the given form. */
  public static void write(JsonGenerator g, Tensor t, Format format) throws IOException {
    g.writeStartObject();
    g.writeStringField("dtype", t.dtype().wireName());
    g.writeArrayFieldStart("shape");
    for (int d : t.shape().dims()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    if (format == Format.DATA) {
      // Jackson's default variant is standard base64 with padding and no line feeds.
      g.writeBinaryField("data", t.toLittleEndianBytes());
    } else {
      g.writeArrayFieldStart("values");
      if (t.dtype() == DType.INT32) {
        for (int v : t.toIntArray()) {
          g.writeNumber(v);
        }
      } else {
        for (float v : t.toFloatArray()) {
          writeFloat(g, v);
        }
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** {@code t} as a JSON tree; for small tensors and tests (large ones should be streamed). */
  public static JsonNode toNode(Tensor t, Format format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = MAPPER.createGenerator(out)) {
      write(g, t, format);
    } catch (IOException e) {
      throw new UncheckedIOException("writing a tensor to memory failed", e);
    }
    try {
      return MAPPER.readTree(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("reading back a tensor just written failed", e);
    }
  }

  /** Bytes per element of {@code dtype}. */
  public static int elementBytes(DType dtype) {
    return switch (dtype) {
      case FLOAT32, INT32 -> 4;
      case FLOAT16 -> 2;
      default -> throw new IllegalArgumentException("unknown dtype " + dtype);
    };
  }

  /** The dtype with this wire name ("float32"), or an {@code invalid_argument} naming the path. */
  static DType parseDType(JsonNode node, String path) {
    if (node == null || !node.isTextual()) {
      throw invalid(path, "must be one of " + dtypeNames());
    }
    String name = node.textValue();
    for (DType d : DType.values()) {
      if (d.wireName().equals(name)) {
        return d;
      }
    }
    throw invalid(path, "'" + printable(name) + "' is not a dtype; expected one of " + dtypeNames());
  }

  private static int[] parseShape(JsonNode node, String path) {
    if (node == null || !node.isArray()) {
      throw invalid(path, "must be a list of dimensions, e.g. [2, 3]");
    }
    if (node.size() > MAX_RANK) {
      throw invalid(path, "has rank " + node.size() + "; at most " + MAX_RANK + " dimensions are allowed");
    }
    int[] dims = new int[node.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = node.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
        throw invalid(path + "[" + i + "]", "must be a non-negative integer, got " + brief(d));
      }
      dims[i] = d.intValue();
    }
    return dims;
  }

  private static long elementCount(int[] dims, DType dtype, String path) {
    long count = 1;
    for (int d : dims) {
      count *= d;
      // Each factor is < 2^31, so the product overflows only after passing this bound.
      if (count * elementBytes(dtype) > MAX_TENSOR_BYTES) {
        throw invalid(path, "describes a tensor larger than " + MAX_TENSOR_BYTES + " bytes");
      }
    }
    return count;
  }

  private static Tensor fromValues(DType dtype, int[] dims, long count, JsonNode values, String path) {
    if (!values.isArray()) {
      throw invalid(path, "must be a flat list of numbers");
    }
    if (values.size() != count) {
      throw invalid(path, "has " + values.size() + " values but shape " + Arrays.toString(dims) + " needs " + count);
    }
    Shape shape = Shape.of(dims);
    int n = (int) count;
    if (dtype == DType.INT32) {
      int[] ints = new int[n];
      for (int i = 0; i < n; i++) {
        JsonNode v = values.get(i);
        if (!v.isIntegralNumber()) {
          throw invalid(path + "[" + i + "]", "must be an integer, got " + brief(v));
        }
        if (!v.canConvertToInt()) {
          throw invalid(path + "[" + i + "]", "is outside the int32 range");
        }
        ints[i] = v.intValue();
      }
      return Tensor.int32(shape, ints);
    }
    float[] floats = new float[n];
    for (int i = 0; i < n; i++) {
      floats[i] = parseFloat(values.get(i), dtype, path + "[" + i + "]");
    }
    return dtype == DType.FLOAT16 ? Tensor.float16(shape, floats) : Tensor.float32(shape, floats);
  }

  private static float parseFloat(JsonNode v, DType dtype, String path) {
    if (v.isTextual()) {
      return switch (v.textValue()) {
        case "NaN" -> Float.NaN;
        case "Infinity" -> Float.POSITIVE_INFINITY;
        case "-Infinity" -> Float.NEGATIVE_INFINITY;
        default -> throw invalid(path, "must be a number or one of \"NaN\", \"Infinity\", \"-Infinity\", got " + brief(v));
      };
    }
    if (!v.isNumber()) {
      throw invalid(path, "must be a number, got " + brief(v));
    }
    double d = v.doubleValue();
    float f = (float) d;
    boolean overflow = dtype == DType.FLOAT16 ? Math.abs(d) >= FLOAT16_OVERFLOW : Float.isInfinite(f);
    if (Double.isInfinite(d) || overflow) {
      throw invalid(path, brief(v) + " is outside the " + dtype.wireName() + " range (write \"Infinity\" if meant)");
    }
    return f;
  }

  private static Tensor fromData(DType dtype, int[] dims, long count, JsonNode data, String path) {
    if (!data.isTextual()) {
      throw invalid(path, "must be a base64 string of the little-endian bytes");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(data.textValue());
    } catch (IllegalArgumentException e) {
      throw invalid(path, "is not valid base64: " + e.getMessage());
    }
    long expected = count * elementBytes(dtype);
    if (bytes.length != expected) {
      throw invalid(
          path,
          "has " + bytes.length + " bytes but shape " + Arrays.toString(dims) + " of " + dtype.wireName() + " needs "
              + expected);
    }
    return Tensor.fromLittleEndian(dtype, Shape.of(dims), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  private static void writeFloat(JsonGenerator g, float v) throws IOException {
    if (Float.isNaN(v)) {
      g.writeString("NaN");
    } else if (v == Float.POSITIVE_INFINITY) {
      g.writeString("Infinity");
    } else if (v == Float.NEGATIVE_INFINITY) {
      g.writeString("-Infinity");
    } else {
      g.writeNumber(v);
    }
  }

  private static List<String> dtypeNames() {
    List<String> names = new ArrayList<>();
    for (DType d : DType.values()) {
      names.add(d.wireName());
    }
    return names;
  }

  private static ApiException invalid(String path, String problem) {
    return ApiException.invalidArgument(path + " " + problem);
  }

  /** A short, log-safe rendering of a JSON value for error messages. */
  static String brief(JsonNode v) {
    if (v == null) {
      return "nothing";
    }
    String s =
        switch (v.getNodeType()) {
          case ARRAY -> "a list";
          case OBJECT -> "an object";
          case NULL -> "null";
          case BOOLEAN -> v.asText();
          case STRING -> '"' + v.textValue() + '"';
          default -> v.toString();
        };
    return printable(s);
  }

  /** Trims and strips control characters so user text can be echoed safely. */
  static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    StringBuilder b = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }

}
