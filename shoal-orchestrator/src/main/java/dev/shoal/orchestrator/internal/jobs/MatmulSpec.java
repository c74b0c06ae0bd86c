package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.DType;
import java.io.IOException;

/**
 * What a matmul job's plan records so its result can be assembled later: C[m×n] = A[m×k]·B[k×n],
 * cut into tiles of {@code tileRows × tileCols}. Stored as the job's spec (JSON); the store keeps
 * it, so the format is durable: fields may be added, never renamed.
 */
record MatmulSpec(int m, int k, int n, DType dtype, int tileRows, int tileCols) {

  static final String KIND = "matmul";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  byte[] toJson() {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("m", m).put("k", k).put("n", n).put("dtype", dtype.wireName());
    o.put("tile_rows", tileRows).put("tile_cols", tileCols);
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a matmul spec", e);
    }
  }

  /** Reads a stored spec; a spec that does not parse is a bug or corruption, never user input. */
  static MatmulSpec fromJson(byte[] json) {
    JsonNode o;
    try {
      o = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("stored matmul spec is not JSON", e);
    }
    if (o == null || !o.isObject()) {
      throw new IllegalStateException("stored matmul spec is not a JSON object");
    }
    DType dtype = null;
    for (DType d : DType.values()) {
      if (d.wireName().equals(o.path("dtype").asText())) {
        dtype = d;
      }
    }
    if (dtype == null) {
      throw new IllegalStateException("stored matmul spec has an unknown dtype: " + o.path("dtype"));
    }
    return new MatmulSpec(
        required(o, "m"), required(o, "k"), required(o, "n"), dtype, required(o, "tile_rows"), required(o, "tile_cols"));
  }

  private static int required(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || !v.canConvertToInt() || v.intValue() < 1) {
      throw new IllegalStateException("stored matmul spec has a bad " + field + ": " + v);
    }
    return v.intValue();
  }
}
