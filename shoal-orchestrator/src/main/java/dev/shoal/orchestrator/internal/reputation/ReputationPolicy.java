package dev.shoal.orchestrator.internal.reputation;

import java.util.Map;

/**
 * How outcomes move a worker's reputation, how fast it forgets, and when it is quarantined.
 *
 * <p>The deltas make a lie expensive and bad luck cheap: one wrong or forged result costs more
 * than a hundred good ones earn, so two lies in an hour quarantine a worker, while timeouts and
 * lost attempts (a slow or flaky machine) take many to matter. A client's rating counts at most
 * {@code ratingWeight} either way, so clients alone cannot quarantine a worker quickly; and no
 * score, however high, makes a worker trusted — trust is only ever granted by an admin. Scores
 * are capped at {@code scoreCeiling}, so a long good record never buys room for lies: from the
 * top, two lies still reach the threshold.
 *
 * @param deltas score change per outcome kind written by the orchestrator
 * @param halfLifeMillis how long until a score has decayed to half
 * @param quarantineThreshold a score at or below this quarantines the worker
 * @param coolOffMillis how long a quarantine lasts unless an admin lifts it
 * @param ratingWeight a client rating in [-1, 1] moves the score by at most this much
 * @param scoreCeiling the highest score a worker can hold
 */
public record ReputationPolicy(
    Map<String, Double> deltas,
    long halfLifeMillis,
    double quarantineThreshold,
    long coolOffMillis,
    double ratingWeight,
    double scoreCeiling) {

  public static final ReputationPolicy DEFAULT =
      new ReputationPolicy(
          Map.of(
              "validated", 0.02,
              "invalid_result", -4.0,
              "bad_signature", -5.0,
              "replayed", -5.0,
              "disagreed", -4.0,
              "failed", -0.5,
              "timed_out", -0.5,
              "lost", -0.25),
          3_600_000,
          -6,
          600_000,
          0.5,
          1.5);

  public ReputationPolicy {
    deltas = Map.copyOf(deltas);
    if (halfLifeMillis < 1_000 || !(quarantineThreshold < 0) || coolOffMillis < 0 || !(ratingWeight >= 0)
        || !(scoreCeiling >= 0)) {
      throw new IllegalArgumentException("invalid reputation policy: " + this);
    }
  }

  /** The score change for an outcome the orchestrator observed; 0 for kinds it does not rate. */
  public double delta(String kind) {
    return deltas.getOrDefault(kind, 0.0);
  }

  public ReputationPolicy withCoolOff(long millis) {
    return new ReputationPolicy(deltas, halfLifeMillis, quarantineThreshold, millis, ratingWeight, scoreCeiling);
  }

  public ReputationPolicy withThreshold(double threshold) {
    return new ReputationPolicy(deltas, halfLifeMillis, threshold, coolOffMillis, ratingWeight, scoreCeiling);
  }
}
