package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.events.EventFilter;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.store.SubscriptionRecord;
import dev.shoal.orchestrator.internal.time.SystemClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Event webhooks against a real HTTP receiver on loopback (allowed here, as with --webhook-allow-private). */
class EventSubscriptionsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SECRET = "a-secret-of-16-chars";

  private final MemoryStore log = new MemoryStore();
  private final EventFeed feed = new EventFeed(log, 64);
  private final MemoryClientStore clients = new MemoryClientStore();
  private final SystemClock clock = new SystemClock();
  private final WebhookSender sender = new WebhookSender(new TargetPolicy(true));
  private Receiver receiver;
  private EventSubscriptions subscriptions;
  private long next = 1;

  @BeforeEach
  void start() throws Exception {
    receiver = Receiver.http();
    subscriptions = open();
  }

  @AfterEach
  void stop() {
    subscriptions.close();
    receiver.close();
    clock.close();
  }

  private EventSubscriptions open() {
    return new EventSubscriptions(feed, clients, sender, clock, Duration.ofMillis(20)).start();
  }

  private void commit(String type, String job) {
    List<StoreWrite> batch =
        List.of(new StoreWrite.AppendEvent(
            new EventRecord(next, 1000 + next, type, "task", job, "t", 0, "", "", "", "", "", "", "")));
    next++;
    log.apply(batch);
    feed.committed(batch);
  }

  /** Every event seq the receiver acknowledged, in arrival order. */
  private List<Long> acknowledged() throws Exception {
    List<Long> seqs = new ArrayList<>();
    for (Receiver.Request r : receiver.requests) {
      for (JsonNode e : MAPPER.readTree(r.body()).get("events")) {
        seqs.add(e.get("seq").asLong());
      }
    }
    return seqs;
  }

  private static void await(BooleanSupplier condition) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(condition::getAsBoolean);
  }

  private SubscriptionRecord stored(String id) {
    return clients.subscriptions().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void matchingEventsArriveSignedAndInOrderAndTheCursorMovesOnlyWhenTaken() throws Exception {
    commit(EventTypes.TASK_PUBLISHED, "before");
    SubscriptionRecord s =
        subscriptions.create(
            receiver.url("/hook"), SECRET, EventFilter.of(List.of("task.published"), null, null, null, null, null), null);
    assertThat(s.cursor()).as("only events from now on").isEqualTo(1);
    commit(EventTypes.TASK_PUBLISHED, "a");
    commit(EventTypes.TASK_ASSIGNED, "a");
    commit(EventTypes.TASK_PUBLISHED, "b");
    await(() -> stored(s.id()).cursor() >= 3);

    assertThat(acknowledged()).containsExactly(2L, 4L);
    Receiver.Request first = receiver.requests.getFirst();
    assertThat(MAPPER.readTree(first.body()).get("subscription").asText()).isEqualTo(s.id());
    assertThat(first.header(WebhookSignature.ID_HEADER)).startsWith(s.id() + ":2-");
    assertThat(WebhookSignature.verify(
            SECRET, first.header(WebhookSignature.TIMESTAMP_HEADER), first.body(),
            first.header(WebhookSignature.SIGNATURE_HEADER), System.currentTimeMillis() / 1000))
        .isTrue();
  }

  @Test
  void aFailingReceiverGetsTheSameBatchAgainUntilItTakesIt() throws Exception {
    receiver.answer(500, 503, 204);
    SubscriptionRecord s = subscriptions.create(receiver.url("/hook"), SECRET, EventFilter.ALL, 0L);
    commit(EventTypes.TASK_PUBLISHED, "a");
    await(() -> receiver.delivered() == 1);
    await(() -> stored(s.id()).cursor() == 1);

    assertThat(receiver.requests).hasSize(3);
    assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.ID_HEADER)).containsOnly(s.id() + ":1-1");
    assertThat(receiver.requests).extracting(r -> new String(r.body())).containsOnly(new String(receiver.requests.getFirst().body()));
    assertThat(stored(s.id()).failures()).as("reset by the success").isZero();
  }

  @Test
  void aRestartResumesFromTheStoredCursorWithoutRepeats() throws Exception {
    SubscriptionRecord s = subscriptions.create(receiver.url("/hook"), SECRET, EventFilter.ALL, 0L);
    commit(EventTypes.TASK_PUBLISHED, "a");
    commit(EventTypes.TASK_PUBLISHED, "b");
    await(() -> stored(s.id()).cursor() == 2);
    subscriptions.close();

    // Committed while nothing delivers: the next start must send exactly these.
    commit(EventTypes.TASK_PUBLISHED, "c");
    commit(EventTypes.TASK_PUBLISHED, "d");
    subscriptions = open();
    await(() -> stored(s.id()).cursor() == 4);
    assertThat(acknowledged()).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aDeletedSubscriptionStopsAndAForbiddenTargetStopsItself() throws Exception {
    SubscriptionRecord s = subscriptions.create(receiver.url("/hook"), SECRET, EventFilter.ALL, 0L);
    assertThat(subscriptions.delete(s.id())).isTrue();
    assertThat(subscriptions.delete(s.id())).isFalse();
    commit(EventTypes.TASK_PUBLISHED, "a");
    assertThat(clients.subscriptions()).isEmpty();

    // A host that resolved to a public address when subscribed, and to loopback when connecting
    // (DNS rebinding): refused at connect, the subscription stops, nothing is sent.
    java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
    TargetPolicy rebinding =
        new TargetPolicy(false, host -> new java.net.InetAddress[] {
          lookups.getAndIncrement() == 0
              ? java.net.InetAddress.getByAddress(new byte[] {93, (byte) 184, (byte) 216, 34})
              : java.net.InetAddress.getLoopbackAddress()});
    EventSubscriptions strict = new EventSubscriptions(feed, clients, new WebhookSender(rebinding), clock, Duration.ofMillis(20));
    try {
      SubscriptionRecord t = strict.create("http://hooks.example.com:" + receiver.port() + "/x", SECRET, EventFilter.ALL, 0L);
      await(() -> !stored(t.id()).active());
      assertThat(stored(t.id()).lastError()).startsWith("refused:");
      assertThat(stored(t.id()).failures()).isEqualTo(1);
      assertThat(receiver.requests).isEmpty();
    } finally {
      strict.close();
    }
  }

  @Test
  void badSubscriptionsAreRefusedAndNothingIsStored() {
    EventSubscriptions strict = new EventSubscriptions(feed, clients, new WebhookSender(new TargetPolicy(false)), clock, Duration.ofMillis(20));
    assertThatThrownBy(() -> strict.create(receiver.url("/hook"), SECRET, EventFilter.ALL, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> subscriptions.create(receiver.url("/hook"), "short", EventFilter.ALL, null))
        .hasMessageContaining("secret must be 16 to 256 characters");
    assertThatThrownBy(() -> subscriptions.create(receiver.url("/hook"), SECRET, EventFilter.ALL, 5L))
        .hasMessageContaining("after must be in 0..0");
    assertThatThrownBy(() -> subscriptions.create("ftp://x.example.com/", SECRET, EventFilter.ALL, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(clients.subscriptions()).isEmpty();
  }
}
