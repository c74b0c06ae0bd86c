package dev.shoal.client;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.TensorSpec;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A tensor whose bytes are in the data service: {@code dtype} and {@code shape}, little-endian,
 * starting {@code offset} bytes into the blob named {@code blob} ({@code sha256:…}). As a job input
 * it travels by reference (nothing is copied; each worker fetches its range); a job output kept in
 * the data service comes back as one, and can be read with {@link Blobs#readTensor} or passed to a
 * later job as is. Immutable.
 */
public record StoredTensor(String blob, DType dtype, Shape shape, long offset) implements Input, TaskOutput {

  private static final String PREFIX = "sha256:";

  public StoredTensor {
    blob = digest(blob);
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative, got " + offset);
    }
  }

  /** The blob's SHA-256 alone, 64 hex digits: its name in {@code /v1/blobs/{sha256}}. */
  public String sha256() {
    return blob.substring(PREFIX.length());
  }

  /** How many bytes of the blob it covers. */
  public long byteSize() {
    return new TensorSpec(dtype, shape).byteSize();
  }

  /**
   * {@code sha256:<hex>} from either that or the bare hex; anything else is refused here rather
   * than by the orchestrator after an upload.
   */
  static String digest(String value) {
    Objects.requireNonNull(value, "blob");
    String hex = value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : value;
    if (hex.length() != 64 || !hex.chars().allMatch(HexFormat::isHexDigit)) {
      throw new IllegalArgumentException("a blob is named sha256:<64 hex digits>, got '" + value + "'");
    }
    return PREFIX + hex.toLowerCase(java.util.Locale.ROOT);
  }
}
