package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.ConnectionException;
import dev.shoal.client.MeshOverloadedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Demand, cancellation and failures of the publisher behind {@code AsyncTasks.stream}. */
class EventPublisherTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Items from a list; {@code block} makes {@code next()} wait until closed. */
  static class ListSource implements EventPublisher.Source<String> {
    final List<String> items;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final CountDownLatch closed = new CountDownLatch(1);
    final boolean block;
    final CountDownLatch blocking = new CountDownLatch(1);

    ListSource(boolean block, String... items) {
      this.items = List.of(items);
      this.block = block;
    }

    @Override
    public String next() {
      int i = reads.getAndIncrement();
      if (block && i == items.size()) {
        blocking.countDown();
        try {
          closed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new ConnectionException("closed under a read", null);
      }
      return i < items.size() ? items.get(i) : null;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      closed.countDown();
    }
  }

  /** Records every signal; its subscription is handed to the test. */
  static class Recorder implements Flow.Subscriber<String> {
    final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(String item) {
      signals.add(item);
    }

    @Override
    public void onError(Throwable t) {
      signals.add(t);
    }

    @Override
    public void onComplete() {
      signals.add("complete");
    }

    Object take() throws InterruptedException {
      Object s = signals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(s).as("a signal within " + WAIT).isNotNull();
      return s;
    }
  }

  @Test
  void nothingIsOpenedBeforeDemandAndNothingIsReadAheadOfIt() throws Exception {
    ListSource source = new ListSource(false, "a", "b", "c");
    AtomicInteger opened = new AtomicInteger();
    Recorder r = new Recorder();

    new EventPublisher<>(() -> {
          opened.incrementAndGet();
          return source;
        })
        .subscribe(r);
    assertThat(opened).hasValue(0);

    r.subscription.request(1);
    assertThat(r.take()).isEqualTo("a");
    assertThat(opened).hasValue(1);
    assertThat(source.reads).hasValue(1);

    r.subscription.request(Long.MAX_VALUE);
    r.subscription.request(Long.MAX_VALUE);
    assertThat(r.take()).isEqualTo("b");
    assertThat(r.take()).isEqualTo("c");
    assertThat(r.take()).isEqualTo("complete");
    await().atMost(WAIT).until(() -> source.closes.get() == 1);
  }

  @Test
  void cancellingClosesTheSourceAndInterruptsABlockedRead() throws Exception {
    ListSource source = new ListSource(true, "a");
    Recorder r = new Recorder();
    new EventPublisher<>(() -> source).subscribe(r);

    r.subscription.request(5);
    assertThat(r.take()).isEqualTo("a");
    assertThat(source.blocking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    r.subscription.cancel();

    // Once by cancel, once by the reading thread on its way out: it has stopped.
    await().atMost(WAIT).until(() -> source.closes.get() == 2);
    assertThat(r.signals).as("nothing after cancel").isEmpty();
  }

  @Test
  void cancellingBeforeDemandNeverOpens() {
    AtomicInteger opened = new AtomicInteger();
    Recorder r = new Recorder();
    new EventPublisher<String>(() -> {
          opened.incrementAndGet();
          return new ListSource(false);
        })
        .subscribe(r);

    r.subscription.cancel();
    r.subscription.request(1);

    assertThat(opened).hasValue(0);
    assertThat(r.signals).isEmpty();
  }

  @Test
  void aNonPositiveRequestIsAnError() throws Exception {
    ListSource source = new ListSource(false, "a");
    Recorder r = new Recorder();
    new EventPublisher<>(() -> source).subscribe(r);

    r.subscription.request(0);

    assertThat(r.take()).isInstanceOf(IllegalArgumentException.class);
    assertThat(source.reads).hasValue(0);
  }

  @Test
  void failuresToOpenOrToReadReachOnError() throws Exception {
    Recorder refused = new Recorder();
    new EventPublisher<String>(() -> {
          throw new MeshOverloadedException("mesh_overloaded", 503, "full", Duration.ofSeconds(2), null);
        })
        .subscribe(refused);
    refused.subscription.request(1);
    assertThat(refused.take()).isInstanceOf(MeshOverloadedException.class);

    Recorder broken = new Recorder();
    ListSource source =
        new ListSource(false, "a") {
          @Override
          public String next() {
            if (reads.getAndIncrement() == 1) {
              throw new ConnectionException("reset", null);
            }
            return "a";
          }
        };
    new EventPublisher<>(() -> source).subscribe(broken);
    broken.subscription.request(10);
    assertThat(broken.take()).isEqualTo("a");
    assertThat(broken.take()).isInstanceOf(ConnectionException.class);
    await().atMost(WAIT).until(() -> source.closes.get() == 1);
  }

  @Test
  void aSubscriberThatThrowsLosesItsSubscription() throws Exception {
    ListSource source = new ListSource(false, "a", "b");
    CountDownLatch threw = new CountDownLatch(1);
    Recorder r =
        new Recorder() {
          @Override
          public void onNext(String item) {
            threw.countDown();
            throw new IllegalStateException("subscriber bug");
          }
        };
    new EventPublisher<>(() -> source).subscribe(r);
    r.subscription.request(2);

    assertThat(threw.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    await().atMost(WAIT).until(() -> source.closes.get() >= 1);
    assertThat(source.reads).hasValue(1);
    assertThat(r.signals).isEmpty();
  }
}
