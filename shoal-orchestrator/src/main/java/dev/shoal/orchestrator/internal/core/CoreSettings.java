package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.ReputationPolicy;

/**
 * Timing knobs of the core. {@code ackGraceMillis} is added to a task's timeout before the
 * orchestrator declares an attempt timed out itself (the worker should report first);
 * {@code slotHoldMillis} is how long a cancelled or timed-out attempt keeps its slot while the
 * worker has not confirmed it stopped, so the worker is never sent more than its capacity.
 * A finished job stays in memory for {@code retainFinishedMillis}, so late and duplicate results
 * are still recognised and its result is served without a store read; then the store answers.
 * {@code spotCheckFraction} of first_valid tasks are re-executed on a second worker;
 * {@code reputation} says how outcomes move a worker's score and when it is quarantined.
 * {@code resultRetentionMillis} is how long a finished job and its result are kept at all (0:
 * forever); then they are purged from the store and the API answers 404.
 */
public record CoreSettings(
    String orchestratorId,
    long heartbeatIntervalMillis,
    int missedHeartbeats,
    long ackGraceMillis,
    long slotHoldMillis,
    long backoffBaseMillis,
    long backoffMaxMillis,
    long retainFinishedMillis,
    double spotCheckFraction,
    ReputationPolicy reputation,
    long resultRetentionMillis) {

  /** Results are kept a day after their job finished, by default. */
  public static final long DEFAULT_RESULT_RETENTION_MILLIS = 24 * 3_600_000L;

  /** Settings with the default result retention. */
  public CoreSettings(
      String orchestratorId,
      long heartbeatIntervalMillis,
      int missedHeartbeats,
      long ackGraceMillis,
      long slotHoldMillis,
      long backoffBaseMillis,
      long backoffMaxMillis,
      long retainFinishedMillis,
      double spotCheckFraction,
      ReputationPolicy reputation) {
    this(
        orchestratorId, heartbeatIntervalMillis, missedHeartbeats, ackGraceMillis, slotHoldMillis, backoffBaseMillis,
        backoffMaxMillis, retainFinishedMillis, spotCheckFraction, reputation, DEFAULT_RESULT_RETENTION_MILLIS);
  }

  /** Share of first_valid tasks re-executed on a second worker by default: one in twenty. */
  public static final double DEFAULT_SPOT_CHECK_FRACTION = 0.05;

  public static CoreSettings defaults(String orchestratorId) {
    return new CoreSettings(
        orchestratorId, 2_000, 3, 5_000, 10_000, 100, 5_000, 60_000, DEFAULT_SPOT_CHECK_FRACTION,
        ReputationPolicy.DEFAULT);
  }

  /** Settings without spot checks (the fraction is 0) and with the default reputation policy. */
  public CoreSettings(
      String orchestratorId,
      long heartbeatIntervalMillis,
      int missedHeartbeats,
      long ackGraceMillis,
      long slotHoldMillis,
      long backoffBaseMillis,
      long backoffMaxMillis,
      long retainFinishedMillis) {
    this(
        orchestratorId, heartbeatIntervalMillis, missedHeartbeats, ackGraceMillis, slotHoldMillis, backoffBaseMillis,
        backoffMaxMillis, retainFinishedMillis, 0, ReputationPolicy.DEFAULT);
  }

  public CoreSettings {
    if (heartbeatIntervalMillis < 10 || missedHeartbeats < 1 || ackGraceMillis < 0 || slotHoldMillis < 0
        || backoffBaseMillis < 0 || backoffMaxMillis < backoffBaseMillis || retainFinishedMillis < 0
        || !(spotCheckFraction >= 0 && spotCheckFraction <= 1) || reputation == null || resultRetentionMillis < 0) {
      throw new IllegalArgumentException("invalid core settings: " + this);
    }
  }

  public CoreSettings withSpotCheckFraction(double fraction) {
    return new CoreSettings(
        orchestratorId, heartbeatIntervalMillis, missedHeartbeats, ackGraceMillis, slotHoldMillis, backoffBaseMillis,
        backoffMaxMillis, retainFinishedMillis, fraction, reputation, resultRetentionMillis);
  }

  public CoreSettings withReputation(ReputationPolicy policy) {
    return new CoreSettings(
        orchestratorId, heartbeatIntervalMillis, missedHeartbeats, ackGraceMillis, slotHoldMillis, backoffBaseMillis,
        backoffMaxMillis, retainFinishedMillis, spotCheckFraction, policy, resultRetentionMillis);
  }

  public CoreSettings withResultRetention(long millis) {
    return new CoreSettings(
        orchestratorId, heartbeatIntervalMillis, missedHeartbeats, ackGraceMillis, slotHoldMillis, backoffBaseMillis,
        backoffMaxMillis, retainFinishedMillis, spotCheckFraction, reputation, millis);
  }
}
