package dev.shoal.orchestrator.internal.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived signed URLs for blobs, for those who hold no API key (an untrusted worker fetching
 * a task's input): an HMAC-SHA256 over the digest, the byte range and the expiry, so the URL
 * opens exactly that range of exactly that blob until then, and a changed character of any part
 * makes it worthless. The key never leaves the orchestrator (its data directory, owner-only).
 * Thread-safe.
 */
public final class BlobUrls {

  private static final String KEY_FILE = "blob-urls.key";
  private final byte[] key;

  private BlobUrls(byte[] key) {
    this.key = key.clone();
  }

  /** The key kept in {@code dataDir} (made on first use), or a fresh one for a throwaway orchestrator. */
  public static BlobUrls open(Path dataDir) {
    if (dataDir == null) {
      byte[] k = new byte[32];
      new SecureRandom().nextBytes(k);
      return new BlobUrls(k);
    }
    Path file = dataDir.resolve(KEY_FILE);
    try {
      Files.createDirectories(dataDir);
      if (!Files.exists(file)) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.write(file, k);
        } catch (FileAlreadyExistsException raced) {
          // Made meanwhile: read it below.
        }
      }
      byte[] k = Files.readAllBytes(file);
      if (k.length != 32) {
        throw new IOException(file + " must hold 32 bytes, holds " + k.length);
      }
      return new BlobUrls(k);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the blob URL key: " + e.getMessage(), e);
    }
  }

  /** A signed range: bytes {@code from..to} (inclusive) of blob {@code sha256}, until {@code expiresAt} (epoch ms). */
  public record Grant(String sha256, long from, long to, long expiresAt) {

    /** The query string that carries it. */
    public String query(String signature) {
      return "from=" + from + "&to=" + to + "&expires=" + expiresAt + "&sig=" + signature;
    }
  }

  /**
   * A signed upload: one attempt's worker may store outputs of up to {@code maxBytes} in all until
   * {@code expiresAt}. The attempt is named so an upload can be traced to the result it serves.
   */
  public record UploadGrant(String attempt, long maxBytes, long expiresAt) {

    /** The query string that carries it. */
    public String query(String signature) {
      return "attempt=" + attempt + "&max=" + maxBytes + "&expires=" + expiresAt + "&sig=" + signature;
    }
  }

  /** The signature of {@code g}: 64 hex digits. */
  public String sign(Grant g) {
    return mac(g.sha256() + "\n" + g.from() + "\n" + g.to() + "\n" + g.expiresAt());
  }

  /** The signature of {@code g}; a different message shape, so no download grant opens an upload. */
  public String sign(UploadGrant g) {
    return mac("upload\n" + g.attempt() + "\n" + g.maxBytes() + "\n" + g.expiresAt());
  }

  private String mac(String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
    }
  }

  /** Why {@code signature} does not open {@code g} at {@code now}, or null if it does. Constant time on the signature. */
  public String refusal(Grant g, String signature, long now) {
    return refusal(sign(g), signature, g.expiresAt(), now);
  }

  /** Why {@code signature} does not open upload {@code g} at {@code now}, or null if it does. */
  public String refusal(UploadGrant g, String signature, long now) {
    return refusal(sign(g), signature, g.expiresAt(), now);
  }

  private static String refusal(String expected, String signature, long expiresAt, long now) {
    if (signature == null || signature.length() != 64) {
      return "the URL's signature is missing or malformed";
    }
    boolean genuine =
        MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
    if (!genuine) {
      return "the URL's signature does not match it: it was changed, or not made here";
    }
    if (now >= expiresAt) {
      return "the URL expired at " + expiresAt;
    }
    return null;
  }
}
