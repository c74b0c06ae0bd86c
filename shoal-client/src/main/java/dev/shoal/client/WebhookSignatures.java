package dev.shoal.client;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Shoal-Webhook-Signature} scheme (API.md, "Webhooks"): {@code v1=} and the hex
 * HMAC-SHA256, keyed with the secret, of the timestamp header, a dot and the raw body. For
 * receivers built on another HTTP server; {@link WebhookReceiver} does all of it.
 */
public final class WebhookSignatures {

  private static final String PREFIX = "v1=";

  private WebhookSignatures() {}

  /** The header value the orchestrator sends for this delivery. */
  public static String sign(String secret, String timestamp, byte[] body) {
    return PREFIX + HexFormat.of().formatHex(mac(secret, timestamp, body));
  }

  /**
   * Whether {@code header} carries a valid {@code v1} signature of this delivery; several
   * signatures separated by commas or spaces are accepted (one per secret while one is rotated).
   * Compared in constant time.
   */
  public static boolean matches(String secret, String timestamp, byte[] body, String header) {
    if (header == null) {
      return false;
    }
    byte[] expected = mac(secret, timestamp, body);
    boolean ok = false;
    for (String candidate : header.split("[,\\s]+")) {
      if (candidate.startsWith(PREFIX) && candidate.length() == PREFIX.length() + 64) {
        byte[] given;
        try {
          given = HexFormat.of().parseHex(candidate, PREFIX.length(), candidate.length());
        } catch (IllegalArgumentException notHex) {
          continue;
        }
        ok |= MessageDigest.isEqual(expected, given);
      }
    }
    return ok;
  }

  private static byte[] mac(String secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
