package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

  /** The vector published in API.md "Webhooks"; the SDK's receiver tests against the same one. */
  static final String SECRET = "whsec-test-0123456789abcdef";
  static final long TIMESTAMP = 1764567890;
  static final byte[] BODY = ("{\"id\":\"8c1f0a52-2f7e-4d1c-9a3b-6f0d2e4b5c71\",\"type\":\"task.finished\","
      + "\"task\":\"j3k9.t\",\"state\":\"succeeded\",\"result_url\":\"/v1/tasks/j3k9.t/result\",\"error\":null,"
      + "\"created_at\":1764567890123}").getBytes(StandardCharsets.UTF_8);
  static final String EXPECTED = "v1=9cfe011a0ca84fcb4084312dec2751b6af0e91459056b15d8484b88ef410061a";

  @Test
  void signingThePublishedVectorGivesThePublishedHeader() {
    assertThat(BODY).hasSize(183);
    assertThat(WebhookSignature.sign(SECRET, TIMESTAMP, BODY)).isEqualTo(EXPECTED);
  }

  @Test
  void theVectorVerifiesWithinFiveMinutesEitherWay() {
    for (long now : new long[] {TIMESTAMP, TIMESTAMP - 300, TIMESTAMP + 300}) {
      assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, EXPECTED, now)).as("now=%d", now).isTrue();
    }
    assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, EXPECTED, TIMESTAMP + 301)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, EXPECTED, TIMESTAMP - 301)).isFalse();
  }

  @Test
  void anyChangeBreaksTheSignature() {
    byte[] tampered = BODY.clone();
    tampered[tampered.length - 2] ^= 1;
    assertThat(WebhookSignature.verify(SECRET, "1764567890", tampered, EXPECTED, TIMESTAMP)).isFalse();
    assertThat(WebhookSignature.verify(SECRET + "x", "1764567890", BODY, EXPECTED, TIMESTAMP)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, "1764567891", BODY, EXPECTED, TIMESTAMP)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, EXPECTED.toUpperCase(), TIMESTAMP)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, "v0=" + EXPECTED.substring(3), TIMESTAMP))
        .isFalse();
  }

  @Test
  void malformedHeadersAreFalseNotErrors() {
    for (String ts : new String[] {null, "", "-1764567890", "1764567890.0", " 1764567890", "9".repeat(40)}) {
      assertThat(WebhookSignature.verify(SECRET, ts, BODY, EXPECTED, TIMESTAMP)).as("timestamp %s", ts).isFalse();
    }
    for (String sig : new String[] {null, "", "v1=", "v1=zz", EXPECTED + "00"}) {
      assertThat(WebhookSignature.verify(SECRET, "1764567890", BODY, sig, TIMESTAMP)).as("signature %s", sig)
          .isFalse();
    }
  }
}
