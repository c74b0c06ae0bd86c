package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.DeliveryAttemptRecord;
import dev.shoal.orchestrator.internal.store.DeliveryState;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.store.SqliteClientStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookDispatcherTest {

  private static final String SECRET = "a-receiver-secret-of-some-length";
  private static final long START = 1_764_567_890_000L;

  private final FakeClock clock = new FakeClock(START);
  private final TargetPolicy permissive = new TargetPolicy(true);
  private Receiver receiver;
  private ClientStore store;
  private WebhookDispatcher dispatcher;

  @BeforeEach
  void start() throws Exception {
    receiver = Receiver.http();
    store = new MemoryClientStore();
    dispatcher = open(store, permissive);
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    store.close();
    receiver.close();
  }

  private WebhookDispatcher open(ClientStore on, TargetPolicy policy) {
    WebhookDispatcher d = new WebhookDispatcher(on, new WebhookSender(policy), clock);
    d.start();
    return d;
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5));
  }

  private int attempts(String task) {
    return store.deliveryAttempts(task).size();
  }

  @Test
  void anEndedTaskIsDeliveredOnceWithTheDocumentedSignedEvent() throws Exception {
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET).get(10, TimeUnit.SECONDS);
    assertThat(dispatcher.pendingTaskIds()).containsExactly("j1.t");
    clock.advance(250);

    assertThat(dispatcher.taskEnded("j1.t", "failed", new TaskFinishedEvent.TaskError("task_failed", "boom")))
        .isTrue();

    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.DELIVERED);
    assertThat(dispatcher.pendingTaskIds()).isEmpty();
    assertThat(receiver.requests).singleElement().satisfies(r -> {
      JsonNode event = new ObjectMapper().readTree(r.body());
      assertThat(event.get("id").asText()).isEqualTo(r.header("Shoal-Webhook-Id")).isNotBlank();
      assertThat(event.get("type").asText()).isEqualTo("task.finished");
      assertThat(event.get("task").asText()).isEqualTo("j1.t");
      assertThat(event.get("state").asText()).isEqualTo("failed");
      assertThat(event.get("result_url").asText()).isEqualTo("/v1/tasks/j1.t/result");
      assertThat(event.get("error").get("code").asText()).isEqualTo("task_failed");
      assertThat(event.get("error").get("message").asText()).isEqualTo("boom");
      assertThat(event.get("created_at").asLong()).isEqualTo(START + 250);
      assertThat(event.fieldNames()).toIterable()
          .containsExactly("id", "type", "task", "state", "result_url", "error", "created_at");
      assertThat(WebhookSignature.verify(SECRET, r.header("Shoal-Webhook-Timestamp"), r.body(),
          r.header("Shoal-Webhook-Signature"), clock.millis() / 1000)).isTrue();
    });
    assertThat(store.deliveryAttempts("j1.t")).containsExactly(
        new DeliveryAttemptRecord("j1.t", 1, START + 250, "delivered", "HTTP 204"));
    assertThat(dispatcher.taskEnded("j1.t", "failed", null)).as("a second end is not a second event").isFalse();
  }

  @Test
  void aTaskThatEndsBeforeItsRegistrationIsDurableIsStillDelivered() {
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET);
    dispatcher.taskEnded("j1.t", "succeeded", null);

    eventually().until(() -> receiver.delivered() == 1);
    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.DELIVERED);
  }

  @Test
  void failuresAreRetriedAfterOneSecondDoublingAndGivenUpAfterEightAttempts() {
    receiver.answer(500);
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET);
    dispatcher.taskEnded("j1.t", "succeeded", null);

    long expectedAt = START;
    for (int attempt = 1; attempt <= 8; attempt++) {
      int made = attempt;
      eventually().until(() -> attempts("j1.t") == made && (made == 8 || clock.pendingTimers() == 1));
      DeliveryAttemptRecord last = store.deliveryAttempts("j1.t").getLast();
      assertThat(last).isEqualTo(new DeliveryAttemptRecord("j1.t", made, expectedAt, "failed", "HTTP 500"));
      if (attempt == 8) {
        break;
      }
      long backoff = 1000L << (attempt - 1);
      assertThat(store.delivery("j1.t").orElseThrow().nextAttemptAt()).isEqualTo(expectedAt + backoff);
      clock.advance(backoff - 1);
      assertThat(clock.pendingTimers()).as("not due before %d ms", backoff).isEqualTo(1);
      clock.advance(1);
      expectedAt += backoff;
    }

    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.FAILED);
    assertThat(expectedAt - START).as("1+2+...+64 s of backoff").isEqualTo(127_000);
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(3_600_000);
    assertThat(receiver.requests).hasSize(8);
    assertThat(receiver.requests).extracting(r -> r.header("Shoal-Webhook-Id")).containsOnly(
        receiver.requests.getFirst().header("Shoal-Webhook-Id"));
    assertThat(store.delivery("j1.t").orElseThrow().lastError()).isEqualTo("HTTP 500");
  }

  @Test
  void aRetryThatSucceedsStopsTheRetries() {
    receiver.answer(503, 302, 200);
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET);
    dispatcher.taskEnded("j1.t", "succeeded", null);

    eventually().until(() -> attempts("j1.t") == 1 && clock.pendingTimers() == 1);
    clock.advance(1_000);
    eventually().until(() -> attempts("j1.t") == 2 && clock.pendingTimers() == 1);
    clock.advance(2_000);
    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.DELIVERED);

    assertThat(store.deliveryAttempts("j1.t")).extracting(DeliveryAttemptRecord::detail)
        .containsExactly("HTTP 503", "redirect 302 not followed", "HTTP 200");
    assertThat(clock.pendingTimers()).isZero();
    assertThat(receiver.requests).extracting(Receiver.Request::path).containsOnly("/hook");
  }

  @Test
  void aTargetThatRebindsToLoopbackIsRefusedOnceAndNotRetried() {
    AtomicInteger lookups = new AtomicInteger();
    TargetPolicy.Resolver rebinding = host -> {
      if (!host.equals("hooks.rebind.example")) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {
          InetAddress.getByName(lookups.getAndIncrement() == 0 ? "93.184.216.34" : "127.0.0.1")};
    };
    dispatcher.close();
    dispatcher = open(store, new TargetPolicy(false, rebinding));

    dispatcher.register("j1.t", "http://hooks.rebind.example:" + receiver.port() + "/hook", SECRET);
    dispatcher.taskEnded("j1.t", "succeeded", null);

    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.FAILED);
    assertThat(store.deliveryAttempts("j1.t")).singleElement()
        .satisfies(a -> assertThat(a.outcome()).isEqualTo("refused"));
    assertThat(clock.pendingTimers()).isZero();
    assertThat(receiver.requests).isEmpty();
  }

  @Test
  void registrationChecksTheSecretTheTargetAndDuplicates() {
    assertThatThrownBy(() -> dispatcher.register("j1.t", receiver.url("/"), "short"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16..256");
    assertThatThrownBy(() -> dispatcher.register("j1.t", receiver.url("/"), "x".repeat(257)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> dispatcher.register("j1.t", "ftp://example.com/", SECRET))
        .isInstanceOf(TargetRefusedException.class);
    dispatcher.register("j1.t", receiver.url("/"), SECRET);
    assertThatThrownBy(() -> dispatcher.register("j1.t", receiver.url("/"), SECRET))
        .isInstanceOf(IllegalStateException.class);
    assertThat(dispatcher.taskEnded("j9.t", "succeeded", null)).as("no webhook registered").isFalse();
  }

  @Test
  void aWithdrawnRegistrationIsNeverSentAndNotResumed(@TempDir Path dir) throws Exception {
    switchTo(new SqliteClientStore(dir.resolve("clients.db"), true));
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET).get(10, TimeUnit.SECONDS);

    assertThat(dispatcher.withdraw("j1.t", "submission refused")).isTrue();
    assertThat(dispatcher.withdraw("j1.t", "again")).isFalse();
    assertThat(dispatcher.taskEnded("j1.t", "succeeded", null)).isFalse();
    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.FAILED);
    assertThat(store.delivery("j1.t").orElseThrow().lastError()).isEqualTo("submission refused");

    crashAndRestart(dir);
    assertThat(dispatcher.pendingTaskIds()).isEmpty();
    assertThat(receiver.requests).isEmpty();
  }

  @Test
  void startingTwiceIsAnError() {
    assertThatThrownBy(dispatcher::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPrivateTargetIsRefusedAtRegistrationWithoutAllowPrivate() {
    dispatcher.close();
    dispatcher = open(store, new TargetPolicy(false));
    assertThatThrownBy(() -> dispatcher.register("j1.t", receiver.url("/"), SECRET))
        .isInstanceOf(TargetRefusedException.class).hasMessageContaining("loopback");
    assertThat(dispatcher.pendingTaskIds()).isEmpty();
    assertThat(store.openDeliveries()).isEmpty();
  }

  @Test
  void aRegistrationSurvivesARestartBeforeItsTaskEnds(@TempDir Path dir) throws Exception {
    switchTo(new SqliteClientStore(dir.resolve("clients.db"), true));
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET).get(10, TimeUnit.SECONDS);

    crashAndRestart(dir);

    assertThat(dispatcher.pendingTaskIds()).containsExactly("j1.t");
    dispatcher.taskEnded("j1.t", "succeeded", null);
    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.DELIVERED);
    assertThat(receiver.delivered()).isEqualTo(1);
  }

  @Test
  void aDeliveryInRetryResumesAfterARestartAndIsDeliveredOnce(@TempDir Path dir) throws Exception {
    switchTo(new SqliteClientStore(dir.resolve("clients.db"), true));
    receiver.answer(500);
    dispatcher.register("j1.t", receiver.url("/hook"), SECRET);
    dispatcher.taskEnded("j1.t", "succeeded", null);
    eventually().until(() -> attempts("j1.t") == 1 && clock.pendingTimers() == 1);

    receiver.answer(200);
    crashAndRestart(dir);
    assertThat(dispatcher.pendingTaskIds()).isEmpty();
    eventually().until(() -> clock.pendingTimers() >= 1);
    clock.advance(999);
    assertThat(receiver.requests).hasSize(1);
    clock.advance(1);

    eventually().until(() -> store.delivery("j1.t").orElseThrow().state() == DeliveryState.DELIVERED);
    assertThat(receiver.delivered()).isEqualTo(1);
    assertThat(receiver.requests).extracting(r -> r.header("Shoal-Webhook-Id")).as("a retry repeats the event id")
        .hasSize(2).containsOnly(store.delivery("j1.t").orElseThrow().eventId());
    assertThat(store.deliveryAttempts("j1.t")).extracting(DeliveryAttemptRecord::outcome)
        .containsExactly("failed", "delivered");

    crashAndRestart(dir);
    clock.advance(3_600_000);
    assertThat(receiver.requests).as("a delivered event is not sent again").hasSize(2);
  }

  private void switchTo(ClientStore durable) {
    dispatcher.close();
    store.close();
    store = durable;
    dispatcher = open(store, permissive);
  }

  /** Stops without delivering anything more, and starts again from the file. */
  private void crashAndRestart(Path dir) {
    dispatcher.close();
    store.close();
    store = new SqliteClientStore(dir.resolve("clients.db"), true);
    dispatcher = open(store, permissive);
  }
}
