package dev.shoal.client.internal;

import dev.shoal.client.ConflictException;
import dev.shoal.client.InvalidArgumentException;
import dev.shoal.client.NotFoundException;
import dev.shoal.client.PayloadTooLargeException;
import dev.shoal.client.PermissionDeniedException;
import dev.shoal.client.RateLimitedException;
import dev.shoal.client.ScatterResult;
import dev.shoal.client.ShoalException;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskResult;
import dev.shoal.client.UnauthenticatedException;
import dev.shoal.client.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs a batch of tasks over a set of workers: at most {@code maxConcurrency} in flight, each
 * pinned to one worker per try; a try that fails for a reason another worker might not share is
 * retried, up to {@code maxRetries} times, on a worker this task has not tried (the one with the
 * fewest failures in this batch, then the fewest tasks in flight), or, once it tried them all, on
 * any but the last. Results come back in submission order and failures are values, never thrown.
 *
 * <p>All state changes run serially (one drain loop), whichever thread completes a try, so
 * nothing here is locked and a runner that answers at once does not grow the stack.
 */
public final class Scatter {

  /** Runs one task, already pinned to a worker by its {@code worker} field. */
  public interface Runner {
    CompletableFuture<TaskResult> run(TaskRequest pinned);
  }

  /** Where a retry waits for the server's {@code Retry-After}. */
  public interface Delays {
    Executor after(Duration delay);
  }

  public static final Delays REAL_TIME = d -> CompletableFuture.delayedExecutor(d.toNanos(), TimeUnit.NANOSECONDS);

  /** Longest {@code Retry-After} honoured before a retry; a batch should not stall for longer. */
  static final Duration MAX_DELAY = Duration.ofMinutes(1);

  private final List<TaskRequest> requests;
  private final List<String> peers;
  private final int maxConcurrency;
  private final int maxRetries;
  private final Runner runner;
  private final Delays delays;
  private final ScatterResult[] results;
  private final Item[] items;
  private final Map<String, Integer> load = new HashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final CompletableFuture<List<ScatterResult>> out = new CompletableFuture<>();
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private int next;
  private int inFlight;
  private int finished;

  /** One task's tries so far. */
  private static final class Item {
    final Set<String> tried = new HashSet<>();
    String last;
    int tries;
  }

  private Scatter(
      List<TaskRequest> requests, List<String> peers, int maxConcurrency, int maxRetries, Runner runner, Delays delays) {
    this.requests = List.copyOf(requests);
    this.peers = List.copyOf(new LinkedHashSet<>(peers));
    this.maxConcurrency = maxConcurrency;
    this.maxRetries = maxRetries;
    this.runner = runner;
    this.delays = delays;
    this.results = new ScatterResult[requests.size()];
    this.items = new Item[requests.size()];
    Arrays.setAll(items, i -> new Item());
  }

  /**
   * Runs {@code requests} over {@code peers}; with no peers every task fails with {@code noPeers}.
   * Cancelling the returned future stops starting tasks (those in flight run on).
   */
  public static CompletableFuture<List<ScatterResult>> run(
      List<TaskRequest> requests,
      List<String> peers,
      int maxConcurrency,
      int maxRetries,
      Runner runner,
      Delays delays,
      Supplier<ShoalException> noPeers) {
    if (peers.isEmpty()) {
      List<ScatterResult> failed = new ArrayList<>();
      for (int i = 0; i < requests.size(); i++) {
        failed.add(ScatterResult.failed(i, noPeers.get(), null, 0));
      }
      return CompletableFuture.completedFuture(List.copyOf(failed));
    }
    Scatter s = new Scatter(requests, peers, maxConcurrency, maxRetries, runner, delays);
    s.serially(s::fill);
    return s.out;
  }

  /** Every batch fails the same way, e.g. when finding the workers failed. */
  public static List<ScatterResult> allFailed(int count, ShoalException error) {
    List<ScatterResult> failed = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      failed.add(ScatterResult.failed(i, error, null, 0));
    }
    return List.copyOf(failed);
  }

  /**
   * The peer ids to scatter over among workers found serving a model: those that can take work
   * (online, not draining, not quarantined), the least loaded first, then {@code pick}'s choice
   * when given, then at most {@code maxWorkers}.
   */
  public static List<String> choose(
      List<WorkerInfo> found, Function<List<WorkerInfo>, List<WorkerInfo>> pick, int maxWorkers) {
    List<WorkerInfo> usable =
        found.stream()
            .filter(w -> w.online() && !w.draining() && !w.reputation().quarantined())
            .sorted(
                Comparator.comparingDouble((WorkerInfo w) -> w.load().max() == 0 ? 1 : (double) w.load().current() / w.load().max())
                    .thenComparing(Comparator.comparingDouble((WorkerInfo w) -> w.reputation().score()).reversed()))
            .toList();
    List<WorkerInfo> picked = pick == null ? usable : pick.apply(usable);
    return picked.stream().map(WorkerInfo::peerId).distinct().limit(maxWorkers).toList();
  }

  // ---------------------------------------------------------------- the drain loop

  private void serially(Runnable r) {
    queue.add(r);
    if (pending.getAndIncrement() == 0) {
      do {
        queue.poll().run();
      } while (pending.decrementAndGet() != 0);
    }
  }

  private void fill() {
    while (inFlight < maxConcurrency && next < requests.size() && !out.isDone()) {
      inFlight++;
      send(next++);
    }
    if (finished == requests.size() && !out.isDone()) {
      out.complete(List.of(results));
    }
  }

  private void send(int i) {
    Item item = items[i];
    String peer = choosePeer(item);
    item.tries++;
    item.last = peer;
    item.tried.add(peer);
    load.merge(peer, 1, Integer::sum);
    CompletableFuture<TaskResult> f;
    try {
      f = runner.run(requests.get(i).withWorker(peer));
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((result, failure) -> serially(() -> tried(i, peer, result, failure)));
  }

  private void tried(int i, String peer, TaskResult result, Throwable failure) {
    load.merge(peer, -1, Integer::sum);
    Item item = items[i];
    if (failure == null) {
      finish(i, ScatterResult.success(i, result, peer, item.tries));
      return;
    }
    ShoalException e = asShoal(failure);
    failures.merge(peer, 1, Integer::sum);
    if (!retryable(e) || item.tries > maxRetries || out.isDone()) {
      finish(i, ScatterResult.failed(i, e, peer, item.tries));
      return;
    }
    Duration wait = delay(e, item);
    if (wait.isZero()) {
      send(i);
    } else {
      delays.after(wait).execute(() -> serially(() -> send(i)));
    }
  }

  private void finish(int i, ScatterResult r) {
    results[i] = r;
    inFlight--;
    finished++;
    fill();
  }

  private String choosePeer(Item item) {
    List<String> candidates = peers.stream().filter(p -> !item.tried.contains(p)).toList();
    if (candidates.isEmpty()) {
      candidates = peers.stream().filter(p -> !p.equals(item.last)).toList();
    }
    if (candidates.isEmpty()) {
      candidates = peers;
    }
    return candidates.stream()
        .min(
            Comparator.comparingInt((String p) -> failures.getOrDefault(p, 0))
                .thenComparingInt(p -> load.getOrDefault(p, 0))
                .thenComparingInt(peers::indexOf))
        .orElseThrow();
  }

  /**
   * Waits out {@code Retry-After} when another worker would not help: the key's rate limit, or a
   * task that has already tried every worker.
   */
  private Duration delay(ShoalException e, Item item) {
    if (e.retryAfter().isEmpty()) {
      return Duration.ZERO;
    }
    boolean everyWorkerTried = item.tried.containsAll(peers);
    if (!(e instanceof RateLimitedException) && !everyWorkerTried) {
      return Duration.ZERO;
    }
    Duration d = e.retryAfter().get();
    return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
  }

  /** Errors about the request itself, or the caller's rights, would be the same on any worker. */
  static boolean retryable(ShoalException e) {
    return !(e instanceof InvalidArgumentException
        || e instanceof UnauthenticatedException
        || e instanceof PermissionDeniedException
        || e instanceof PayloadTooLargeException
        || e instanceof ConflictException
        || e.getClass() == NotFoundException.class
        || "interrupted".equals(e.code()));
  }

  private static ShoalException asShoal(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof ShoalException s ? s : new ShoalException("internal", 0, "the task failed: " + t, false, null, t);
  }
}
