package dev.shoal.client;

import java.util.List;
import java.util.function.Function;

/**
 * How {@code tasks().scatter} spreads a batch: at most {@code maxConcurrency} tasks in flight; a
 * task whose worker fails is retried up to {@code maxRetries} times, each time on a worker it has
 * not tried yet when there is one. The workers are {@code peerIds}, or, for {@code
 * scatterByModel}, those found serving the model: {@code pick} (when set) chooses among them,
 * then at most {@code maxWorkers} are used. Immutable; start from {@link #DEFAULT}.
 */
public record ScatterOptions(
    int maxConcurrency,
    int maxRetries,
    List<String> peerIds,
    int maxWorkers,
    Function<List<WorkerInfo>, List<WorkerInfo>> pick) {

  /** 8 in flight, 2 retries, workers discovered, all of them, the least loaded first. */
  public static final ScatterOptions DEFAULT = new ScatterOptions(8, 2, List.of(), Integer.MAX_VALUE, null);

  public ScatterOptions {
    if (maxConcurrency < 1 || maxConcurrency > 1024) {
      throw new IllegalArgumentException("maxConcurrency must be in 1..1024, got " + maxConcurrency);
    }
    if (maxRetries < 0 || maxRetries > 100) {
      throw new IllegalArgumentException("maxRetries must be in 0..100, got " + maxRetries);
    }
    if (maxWorkers < 1) {
      throw new IllegalArgumentException("maxWorkers must be at least 1, got " + maxWorkers);
    }
    peerIds = peerIds == null ? List.of() : List.copyOf(peerIds);
  }

  public ScatterOptions withMaxConcurrency(int v) {
    return new ScatterOptions(v, maxRetries, peerIds, maxWorkers, pick);
  }

  public ScatterOptions withMaxRetries(int v) {
    return new ScatterOptions(maxConcurrency, v, peerIds, maxWorkers, pick);
  }

  /** Spread over exactly these workers (their peer ids); no discovery. */
  public ScatterOptions withPeerIds(List<String> v) {
    return new ScatterOptions(maxConcurrency, maxRetries, v, maxWorkers, pick);
  }

  public ScatterOptions withMaxWorkers(int v) {
    return new ScatterOptions(maxConcurrency, maxRetries, peerIds, v, pick);
  }

  /** Chooses, in order of preference, among the discovered workers (e.g. the three with the most memory). */
  public ScatterOptions withPick(Function<List<WorkerInfo>, List<WorkerInfo>> v) {
    return new ScatterOptions(maxConcurrency, maxRetries, peerIds, maxWorkers, v);
  }
}
