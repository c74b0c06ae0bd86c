package dev.shoal.operators;

import java.util.Arrays;
import java.util.Locale;

/** Element type of a tensor. */
public enum DType {
  FLOAT32(4),
  FLOAT16(2),
  INT32(4);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element on the wire. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements are IEEE floating point (float32, float16). */
  public boolean isFloating() {
    return this != INT32;
  }

  /** The name used on the wire, in JSON and on the command line: "float32", "float16", "int32". */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The dtype with this wire name; anything else is an IllegalArgumentException listing the names. */
  public static DType fromWireName(String name) {
    for (DType d : values()) {
      if (d.wireName().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '" + name + "'; expected one of " + Arrays.stream(values()).map(DType::wireName).toList());
  }
}
