package dev.shoal.worker.internal.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The protocol's content digests: {@code "sha256:" + 64 lowercase hex digits}. */
final class Digests {

  private Digests() {}

  static String sha256(byte[] data) {
    return name(newSha256().digest(data));
  }

  /** A SHA-256 to feed as bytes arrive. */
  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The protocol's name for a finished digest. */
  static String name(byte[] digest) {
    return "sha256:" + HexFormat.of().formatHex(digest);
  }
}
