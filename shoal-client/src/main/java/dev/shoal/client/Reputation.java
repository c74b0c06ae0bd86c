package dev.shoal.client;

import java.util.Map;

/**
 * A worker's standing: its decaying reputation score, whether an admin trusts it, whether it is
 * quarantined (excluded from scheduling) and why and until when (epoch ms), and how many ledger
 * entries of each kind it has (validated, invalid_result, bad_signature, rating, ...).
 */
public record Reputation(
    double score,
    boolean trusted,
    boolean quarantined,
    String quarantineReason,
    long quarantinedSince,
    long quarantinedUntil,
    Map<String, Integer> counts) {

  public Reputation {
    counts = Map.copyOf(counts);
  }
}
