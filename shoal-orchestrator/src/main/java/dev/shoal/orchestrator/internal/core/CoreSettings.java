package dev.shoal.orchestrator.internal.core;

/**
 * Timing knobs of the core. {@code ackGraceMillis} is added to a task's timeout before the
 * orchestrator declares an attempt timed out itself (the worker should report first);
 * {@code slotHoldMillis} is how long a cancelled or timed-out attempt keeps its slot while the
 * worker has not confirmed it stopped, so the worker is never sent more than its capacity.
 * A finished job stays in memory for {@code retainFinishedMillis}, so late and duplicate results
 * are still recognised and its result is served without a store read; then the store answers.
 */
public record CoreSettings(
    String orchestratorId,
    long heartbeatIntervalMillis,
    int missedHeartbeats,
    long ackGraceMillis,
    long slotHoldMillis,
    long backoffBaseMillis,
    long backoffMaxMillis,
    long retainFinishedMillis) {

  public static CoreSettings defaults(String orchestratorId) {
    return new CoreSettings(orchestratorId, 2_000, 3, 5_000, 10_000, 100, 5_000, 60_000);
  }

  public CoreSettings {
    if (heartbeatIntervalMillis < 10 || missedHeartbeats < 1 || ackGraceMillis < 0 || slotHoldMillis < 0
        || backoffBaseMillis < 0 || backoffMaxMillis < backoffBaseMillis || retainFinishedMillis < 0) {
      throw new IllegalArgumentException("invalid core settings: " + this);
    }
  }
}
