package dev.shoal.orchestrator.internal.reputation;

import dev.shoal.protocol.LedgerEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every worker's reputation, derived only from ledger entries, so replaying the stored ledger
 * after a restart rebuilds exactly the state that was live. Scores decay exponentially with the
 * policy's half-life; a score at or below the threshold asks for a quarantine, which is itself a
 * ledger entry ({@code quarantined}); it ends when its cool-off passes or a {@code
 * quarantine_lifted} entry says so, and the worker comes back on probation at half the threshold,
 * so one more lie sends it straight back. Not thread-safe: the core owns it.
 */
public final class Reputations {

  public static final String QUARANTINED = "quarantined";
  public static final String LIFTED = "quarantine_lifted";
  public static final String RATING = "rating";

  private final ReputationPolicy policy;
  private final byte[] orchestratorKey;
  private final Map<String, Mutable> byPeer = new HashMap<>();

  /** {@code orchestratorKey}: entries by this key carry their delta as their score; others are ratings. */
  public Reputations(ReputationPolicy policy, byte[] orchestratorKey) {
    this.policy = policy;
    this.orchestratorKey = orchestratorKey.clone();
  }

  public ReputationPolicy policy() {
    return policy;
  }

  /**
   * Applies one entry. Returns true if the worker's score has now reached the quarantine
   * threshold while it is not quarantined: the caller should append a {@code quarantined} entry.
   */
  public boolean apply(LedgerEntry e) {
    Mutable m = byPeer.computeIfAbsent(e.subject(), k -> new Mutable());
    m.settle(e.at(), policy);
    m.counts.merge(e.kind(), 1, Integer::sum);
    switch (e.kind()) {
      case QUARANTINED -> {
        m.quarantinedAt = e.at();
        m.quarantinedUntil = e.at() + policy.coolOffMillis();
        m.reason = e.comment();
        return false;
      }
      case LIFTED -> {
        m.release(e.at(), policy);
        return false;
      }
      default -> {
        boolean byOrchestrator = java.util.Arrays.equals(e.author(), orchestratorKey);
        double delta =
            byOrchestrator ? e.score() : Math.max(-1, Math.min(1, e.score())) * policy.ratingWeight();
        // A long good record is capped, so it never buys a worker room for lies.
        m.score = Math.min(policy.scoreCeiling(), m.score + delta);
        return delta < 0 && m.quarantinedUntil == 0 && m.score <= policy.quarantineThreshold();
      }
    }
  }

  /** Whether the ledger holds anything about this worker. */
  public boolean known(String peerId) {
    return byPeer.containsKey(peerId);
  }

  public boolean isQuarantined(String peerId, long now) {
    Mutable m = byPeer.get(peerId);
    if (m == null) {
      return false;
    }
    m.settle(now, policy);
    return m.quarantinedUntil != 0;
  }

  public Standing standing(String peerId, long now) {
    Mutable m = byPeer.get(peerId);
    if (m == null) {
      return new Standing(peerId, 0, Map.of(), false, "", 0, 0, now);
    }
    m.settle(now, policy);
    return new Standing(
        peerId, m.score, new TreeMap<>(m.counts), m.quarantinedUntil != 0, m.reason, m.quarantinedAt,
        m.quarantinedUntil, now);
  }

  /** One worker's mutable reputation; its score is as of {@code asOf}. */
  private static final class Mutable {
    double score;
    long asOf;
    final Map<String, Integer> counts = new HashMap<>();
    long quarantinedAt;
    long quarantinedUntil;
    String reason = "";

    /** Decays the score to {@code now} and ends a quarantine whose cool-off has passed by then. */
    void settle(long now, ReputationPolicy p) {
      if (quarantinedUntil != 0 && now >= quarantinedUntil) {
        decayTo(quarantinedUntil, p);
        release(quarantinedUntil, p);
      }
      decayTo(now, p);
    }

    void decayTo(long now, ReputationPolicy p) {
      if (now > asOf) {
        score *= Math.pow(0.5, (double) (now - asOf) / p.halfLifeMillis());
        asOf = now;
      }
    }

    void release(long at, ReputationPolicy p) {
      decayTo(at, p);
      quarantinedUntil = 0;
      quarantinedAt = 0;
      reason = "";
      score = p.quarantineThreshold() / 2;
    }
  }
}
