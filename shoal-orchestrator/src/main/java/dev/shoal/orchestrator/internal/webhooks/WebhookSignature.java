package dev.shoal.orchestrator.internal.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook signature of API.md "Webhooks": {@code v1=} and the lowercase hex of
 * HMAC-SHA256(secret, timestamp + "." + body), the secret taken as UTF-8 and the timestamp as
 * decimal unix seconds. The timestamp is signed so a captured delivery cannot be replayed later.
 */
public final class WebhookSignature {

  public static final String ID_HEADER = "Shoal-Webhook-Id";
  public static final String TIMESTAMP_HEADER = "Shoal-Webhook-Timestamp";
  public static final String SIGNATURE_HEADER = "Shoal-Webhook-Signature";
  /** How far a timestamp may be from the receiver's clock, either way. */
  public static final long TOLERANCE_SECONDS = 300;
  private static final String VERSION = "v1=";
  private static final int MAX_TIMESTAMP_DIGITS = 12;

  private WebhookSignature() {}

  /** The {@code Shoal-Webhook-Signature} value for one delivery. */
  public static String sign(String secret, long timestampSeconds, byte[] body) {
    return VERSION + HexFormat.of().formatHex(hmac(secret, timestampSeconds, body));
  }

  /**
   * Whether the headers prove {@code body} came from the holder of {@code secret} within
   * {@link #TOLERANCE_SECONDS} of {@code nowSeconds}. Compares in constant time; malformed headers
   * are simply false.
   */
  public static boolean verify(
      String secret, String timestampHeader, byte[] body, String signatureHeader, long nowSeconds) {
    if (timestampHeader == null || signatureHeader == null
        || timestampHeader.isEmpty() || timestampHeader.length() > MAX_TIMESTAMP_DIGITS
        || !timestampHeader.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return false;
    }
    long timestamp = Long.parseLong(timestampHeader);
    if (Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) {
      return false;
    }
    byte[] expected = sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signatureHeader.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] hmac(String secret, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JDK has HmacSHA256 and takes any non-empty key", e);
    }
  }
}
