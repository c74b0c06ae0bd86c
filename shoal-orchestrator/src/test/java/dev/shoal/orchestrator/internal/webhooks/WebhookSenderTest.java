package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.webhooks.WebhookSender.Outcome;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookSenderTest {

  private static final String SECRET = "a-receiver-secret-of-some-length";
  private static final byte[] BODY = "{\"id\":\"evt-1\",\"type\":\"task.finished\"}".getBytes(StandardCharsets.UTF_8);

  private Receiver receiver;
  private final TargetPolicy permissive = new TargetPolicy(true);

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = Receiver.http();
  }

  @AfterEach
  void stopReceiver() {
    receiver.close();
  }

  private static WebhookSender sender(TargetPolicy policy, Duration deadline) {
    return new WebhookSender(policy, (SSLSocketFactory) SSLSocketFactory.getDefault(), Duration.ofSeconds(2), deadline);
  }

  @Test
  void a2xxIsDeliveredWithTheDocumentedSignedRequest() {
    Outcome outcome = new WebhookSender(permissive).send(receiver.url("/hook?team=ml"), "evt-1", 1764567890, BODY, SECRET);

    assertThat(outcome).isEqualTo(new Outcome.Delivered(204));
    assertThat(receiver.requests).singleElement().satisfies(r -> {
      assertThat(r.path()).isEqualTo("/hook?team=ml");
      assertThat(r.body()).isEqualTo(BODY);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(r.header("User-Agent")).isEqualTo("shoal-webhooks/1");
      assertThat(r.header("Host")).isEqualTo("127.0.0.1:" + receiver.port());
      assertThat(r.header("Shoal-Webhook-Id")).isEqualTo("evt-1");
      assertThat(r.header("Shoal-Webhook-Timestamp")).isEqualTo("1764567890");
      assertThat(WebhookSignature.verify(
              SECRET, r.header("Shoal-Webhook-Timestamp"), r.body(), r.header("Shoal-Webhook-Signature"), 1764567890))
          .isTrue();
    });
  }

  @Test
  void a500IsARetryableFailure() {
    receiver.answer(500);
    assertThat(new WebhookSender(permissive).send(receiver.url("/"), "evt-1", 1, BODY, SECRET))
        .isEqualTo(new Outcome.Failed("HTTP 500"));
  }

  @Test
  void aRedirectIsAFailureAndIsNotFollowed() {
    receiver.answer(302);
    Outcome outcome = new WebhookSender(permissive).send(receiver.url("/hook"), "evt-1", 1, BODY, SECRET);

    assertThat(outcome).isEqualTo(new Outcome.Failed("redirect 302 not followed"));
    assertThat(receiver.requests).extracting(Receiver.Request::path).containsExactly("/hook");
  }

  @Test
  void aReceiverThatDoesNotAnswerInTimeIsAFailure() {
    receiver.hang();
    Outcome outcome = sender(permissive, Duration.ofMillis(300)).send(receiver.url("/"), "evt-1", 1, BODY, SECRET);

    assertThat(outcome).isEqualTo(new Outcome.Failed("no answer within 300 ms"));
    assertThat(receiver.requests).hasSize(1);
  }

  @Test
  void aPortNobodyListensOnIsAFailure() throws Exception {
    int port;
    try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Outcome outcome = new WebhookSender(permissive).send("http://127.0.0.1:" + port + "/", "evt-1", 1, BODY, SECRET);
    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class,
        f -> assertThat(f.reason()).startsWith("cannot connect to 127.0.0.1:" + port));
  }

  @Test
  void aLoopbackTargetIsRefusedWhenPrivateAddressesAreNotAllowed() {
    Outcome outcome = new WebhookSender(new TargetPolicy(false)).send(receiver.url("/"), "evt-1", 1, BODY, SECRET);
    assertThat(outcome).isInstanceOfSatisfying(Outcome.Refused.class,
        r -> assertThat(r.reason()).contains("loopback"));
    assertThat(receiver.requests).isEmpty();
  }

  @Test
  void aNameThatResolvedPublicAtSubmitAndLoopbackAtConnectIsRefused() throws Exception {
    // DNS rebinding: the first answer (checked at submit) is public, the next is this machine.
    AtomicInteger lookups = new AtomicInteger();
    TargetPolicy.Resolver rebinding = host -> {
      if (!host.equals("hooks.rebind.example")) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {
          InetAddress.getByName(lookups.getAndIncrement() == 0 ? "93.184.216.34" : "127.0.0.1")};
    };
    TargetPolicy policy = new TargetPolicy(false, rebinding);
    String url = "http://hooks.rebind.example:" + receiver.port() + "/hook";

    policy.check(url);
    Outcome outcome = new WebhookSender(policy).send(url, "evt-1", 1, BODY, SECRET);

    assertThat(lookups.get()).isEqualTo(2);
    assertThat(outcome).isInstanceOfSatisfying(Outcome.Refused.class,
        r -> assertThat(r.reason()).contains("127.0.0.1, a loopback address"));
    assertThat(receiver.requests).isEmpty();
  }

  @Test
  void oneForbiddenAddressAmongSeveralRefusesTheTarget() {
    TargetPolicy policy = new TargetPolicy(false, TargetPolicyTest.dns(
        Map.of("mixed.example", new String[] {"93.184.216.34", "127.0.0.1"})));
    Outcome outcome = new WebhookSender(policy)
        .send("http://mixed.example:" + receiver.port() + "/", "evt-1", 1, BODY, SECRET);
    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    assertThat(receiver.requests).isEmpty();
  }

  @Test
  void aNameThatDoesNotResolveIsARetryableFailure() {
    TargetPolicy policy = new TargetPolicy(false, TargetPolicyTest.dns(Map.of()));
    assertThat(new WebhookSender(policy).send("https://gone.example/", "evt-1", 1, BODY, SECRET))
        .isEqualTo(new Outcome.Failed("cannot resolve gone.example"));
  }
}
