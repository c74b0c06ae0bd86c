package dev.shoal.worker.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DataRef;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache of verified bytes: hits, bounds, ages, and one download per slice however many ask. */
class DataCacheTest {

  private static final Duration LONG = Duration.ofSeconds(10);

  private final AtomicLong clock = new AtomicLong(5_000_000);
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final ExecutorService pool = Executors.newThreadPerTaskExecutor(r -> {
    Thread t = new Thread(r);
    threads.add(t);
    return t;
  });

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void aSecondRequestForTheSameBytesIsAHitWithoutARequest() throws Exception {
    try (BlobServer server = BlobServer.start()) {
      HttpClient http = HttpClient.newHttpClient();
      DataFetcher fetcher = new DataFetcher(clock::get);
      DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
      byte[] content = DataFetcherTest.bytes(4096);
      String digest = server.put(content);
      DataRef ref = DataRef.newBuilder().setUri(server.url(digest)).setDigest(digest).setSize(content.length).build();
      // The same bytes under a URL signed later: the cache knows content, not locations.
      DataRef again = ref.toBuilder().setUri(server.url(digest) + "&again").build();

      byte[] first = cache.get(ref, LONG, t -> fetcher.fetch(ref, t));
      byte[] second = cache.get(again, LONG, t -> fetcher.fetch(again, t));

      assertThat(second).isSameAs(first).isEqualTo(content);
      assertThat(server.gets()).isEqualTo(1);
      assertThat(cache.hits()).isEqualTo(1);
      assertThat(cache.bytes()).isEqualTo(4096);
      http.shutdownNow();
    }
  }

  @Test
  void concurrentRequestsForOneSliceShareOneDownload() throws Exception {
    try (BlobServer server = BlobServer.start()) {
      HttpClient http = HttpClient.newHttpClient();
      DataFetcher fetcher = new DataFetcher(clock::get);
      DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
      byte[] content = DataFetcherTest.bytes(4096);
      String digest = server.put(content);
      DataRef ref = DataRef.newBuilder().setUri(server.url(digest)).setDigest(digest).setSize(content.length).build();
      CountDownLatch gate = new CountDownLatch(1);
      server.gate = gate;

      List<Future<byte[]>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        answers.add(pool.submit(() -> cache.get(ref, LONG, t -> fetcher.fetch(ref, t))));
      }
      // One request reached the server (its thread blocked reading the held body); the seven others
      // are parked on it, not on requests of their own.
      await().until(() -> server.gets() == 1 && parked() >= 7);
      gate.countDown();

      for (Future<byte[]> f : answers) {
        assertThat(f.get()).isEqualTo(content);
      }
      assertThat(server.gets()).isEqualTo(1);
      assertThat(cache.loads()).isEqualTo(1);
      assertThat(cache.joins()).isEqualTo(7);
      http.shutdownNow();
    }
  }

  @Test
  void theLeastRecentlyUsedGoesFirstWhenBytesRunOut() throws Exception {
    DataCache cache = new DataCache(250, Duration.ofMinutes(10), clock::get);
    Loads loads = new Loads();

    cache.get(ref('a', 100), LONG, loads.of(100));
    cache.get(ref('b', 100), LONG, loads.of(100));
    cache.get(ref('a', 100), LONG, loads.of(100));
    cache.get(ref('c', 100), LONG, loads.of(100));

    assertThat(loads.count).hasValue(3);
    assertThat(cache.bytes()).isEqualTo(200);
    cache.get(ref('a', 100), LONG, loads.of(100));
    assertThat(loads.count).as("a was used after b, so b went").hasValue(3);
    cache.get(ref('b', 100), LONG, loads.of(100));
    assertThat(loads.count).hasValue(4);
  }

  @Test
  void bytesLargerThanTheWholeCacheAreHandedOutButNotKept() throws Exception {
    DataCache cache = new DataCache(50, Duration.ofMinutes(10), clock::get);
    Loads loads = new Loads();

    cache.get(ref('a', 100), LONG, loads.of(100));
    cache.get(ref('a', 100), LONG, loads.of(100));

    assertThat(loads.count).hasValue(2);
    assertThat(cache.bytes()).isZero();
  }

  @Test
  void entriesAgeOutOnTheInjectedClock() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    Loads loads = new Loads();

    cache.get(ref('a', 100), LONG, loads.of(100));
    clock.addAndGet(Duration.ofMinutes(10).toMillis() - 1);
    cache.get(ref('a', 100), LONG, loads.of(100));
    assertThat(loads.count).hasValue(1);

    clock.addAndGet(1);
    cache.get(ref('a', 100), LONG, loads.of(100));
    assertThat(loads.count).hasValue(2);
  }

  @Test
  void anOldEntryIsDroppedWhenAnotherIsStored() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    Loads loads = new Loads();

    cache.get(ref('a', 100), LONG, loads.of(100));
    clock.addAndGet(Duration.ofMinutes(10).toMillis());
    cache.get(ref('b', 100), LONG, loads.of(100));

    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.bytes()).isEqualTo(100);
  }

  @Test
  void aRangeIsItsOwnEntry() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    Loads loads = new Loads();
    DataRef whole = ref('a', 100);
    DataRef part =
        whole.toBuilder().setRange(ByteRange.newBuilder().setOffset(10).setLength(20)).setRangeDigest(digest('p')).build();

    cache.get(whole, LONG, loads.of(100));
    cache.get(part, LONG, loads.of(20));

    assertThat(loads.count).hasValue(2);
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void aMismatchReachesEveryWaiterAndIsNotKept() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    DataRef ref = ref('a', 100);
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);

    Future<?> leader =
        pool.submit(
            () ->
                cache.get(ref, LONG, t -> {
                  loading.countDown();
                  fail.await();
                  throw new DigestMismatchException("a", digest('a'), digest('x'));
                }));
    loading.await();
    Future<?> waiter = pool.submit(() -> cache.get(ref, LONG, t -> { throw new AssertionError("shared, not loaded"); }));
    await().until(this::allParked);
    fail.countDown();

    assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class, leader::get))
        .hasCauseInstanceOf(DigestMismatchException.class);
    assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class, waiter::get))
        .hasCauseInstanceOf(DigestMismatchException.class);
    assertThat(cache.size()).isZero();
  }

  @Test
  void whenTheLoaderOnlyGaveUpTheNextWaiterLoadsItself() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    DataRef ref = ref('a', 100);
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch giveUp = new CountDownLatch(1);

    Future<?> impatient =
        pool.submit(
            () ->
                cache.get(ref, Duration.ofMillis(50), t -> {
                  loading.countDown();
                  giveUp.await();
                  throw new DataUnavailableException("no answer within 50 ms", true);
                }));
    loading.await();
    Loads loads = new Loads();
    Future<byte[]> patient = pool.submit(() -> cache.get(ref, LONG, loads.of(100)));
    await().until(this::allParked);
    giveUp.countDown();

    assertThat(patient.get()).hasSize(100);
    assertThat(loads.count).hasValue(1);
    assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class, impatient::get))
        .hasCauseInstanceOf(DataUnavailableException.class);
  }

  @Test
  void aWaiterStopsWaitingAtItsOwnDeadline() throws Exception {
    DataCache cache = new DataCache(1 << 20, Duration.ofMinutes(10), clock::get);
    DataRef ref = ref('a', 100);
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    pool.submit(
        () ->
            cache.get(ref, LONG, t -> {
              loading.countDown();
              finish.await();
              return new byte[100];
            }));
    loading.await();

    DataUnavailableException e =
        catchThrowableOfType(DataUnavailableException.class, () -> cache.get(ref, Duration.ofMillis(100), t -> new byte[100]));

    assertThat(e.gaveUp()).isTrue();
    finish.countDown();
  }

  /** Every thread the test started is parked: waiting on a latch, a future or a lock. */
  private long parked() {
    return threads.stream().filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING).count();
  }

  private boolean allParked() {
    return threads.stream()
        .filter(t -> t.getState() != Thread.State.TERMINATED)
        .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  private static DataRef ref(char name, int size) {
    return DataRef.newBuilder().setUri("http://127.0.0.1:1/" + name).setDigest(digest(name)).setSize(size).build();
  }

  private static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64).replace(c, Character.forDigit(c % 16, 16));
  }

  /** A loader that counts its calls. */
  private static final class Loads {
    final AtomicInteger count = new AtomicInteger();

    DataCache.Loader of(int n) {
      return t -> {
        count.incrementAndGet();
        return new byte[n];
      };
    }
  }
}
