package dev.shoal.client;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;

/**
 * A blob in the data service: the SHA-256 of its bytes (64 lowercase hex digits, its name), its
 * size in bytes, and its digest as jobs name it ({@code sha256:…}).
 */
public record BlobInfo(String sha256, long size, String digest) {

  /** This blob's bytes from {@code offset} read as a tensor of {@code dtype} and {@code shape}: a job input. */
  public StoredTensor asTensor(DType dtype, Shape shape, long offset) {
    return new StoredTensor(digest, dtype, shape, offset);
  }
}
