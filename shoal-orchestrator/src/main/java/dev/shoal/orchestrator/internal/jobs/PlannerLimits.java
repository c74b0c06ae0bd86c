package dev.shoal.orchestrator.internal.jobs;

/**
 * What the planner accepts and its defaults. {@code maxJobInputBytes} bounds the sum of all tasks'
 * inline inputs, because tiling copies blocks of the operands into every task: a matmul job's
 * tasks hold far more bytes than its request did. Immutable.
 */
public record PlannerLimits(
    int maxTasks,
    long maxTaskInputBytes,
    long maxJobInputBytes,
    long maxTimeoutMillis,
    long defaultTimeoutMillis,
    int maxAttempts,
    int defaultMaxAttempts,
    long maxDeadlineMillis,
    int maxTile,
    int defaultTile) {

  /** 200 000 tasks, 64 MiB per task, 1 GiB per job, timeouts up to a day, deadlines up to 7 days. */
  public static final PlannerLimits DEFAULT =
      new PlannerLimits(200_000, 64L << 20, 1L << 30, 86_400_000L, 60_000L, 100, 3, 7 * 86_400_000L, 4096, 64);

  public PlannerLimits {
    if (maxTasks < 1
        || maxTaskInputBytes < 1
        || maxJobInputBytes < maxTaskInputBytes
        || maxTimeoutMillis < 1
        || defaultTimeoutMillis < 1
        || defaultTimeoutMillis > maxTimeoutMillis
        || maxAttempts < 1
        || defaultMaxAttempts < 1
        || defaultMaxAttempts > maxAttempts
        || maxDeadlineMillis < 0
        || maxTile < 1
        || defaultTile < 1
        || defaultTile > maxTile) {
      throw new IllegalArgumentException("inconsistent planner limits: " + this);
    }
  }

  public PlannerLimits withMaxTasks(int n) {
    return new PlannerLimits(
        n, maxTaskInputBytes, maxJobInputBytes, maxTimeoutMillis, defaultTimeoutMillis, maxAttempts,
        defaultMaxAttempts, maxDeadlineMillis, maxTile, defaultTile);
  }

  public PlannerLimits withMaxTaskInputBytes(long bytes) {
    return new PlannerLimits(
        maxTasks, bytes, Math.max(bytes, maxJobInputBytes), maxTimeoutMillis, defaultTimeoutMillis, maxAttempts,
        defaultMaxAttempts, maxDeadlineMillis, maxTile, defaultTile);
  }

  public PlannerLimits withMaxJobInputBytes(long bytes) {
    return new PlannerLimits(
        maxTasks, Math.min(bytes, maxTaskInputBytes), bytes, maxTimeoutMillis, defaultTimeoutMillis, maxAttempts,
        defaultMaxAttempts, maxDeadlineMillis, maxTile, defaultTile);
  }
}
