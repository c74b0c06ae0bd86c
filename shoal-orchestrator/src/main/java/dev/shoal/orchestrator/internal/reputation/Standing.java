package dev.shoal.orchestrator.internal.reputation;

import java.util.Map;

/**
 * A worker's reputation as of {@code at}: its decayed score, how many outcomes of each kind the
 * ledger holds for it, and its quarantine if one is in force (reason empty and until 0 if not).
 */
public record Standing(
    String peerId,
    double score,
    Map<String, Integer> counts,
    boolean quarantined,
    String quarantineReason,
    long quarantinedAt,
    long quarantinedUntil,
    long at) {

  public Standing {
    counts = Map.copyOf(counts);
  }
}
