package dev.shoal.client;

import java.util.List;

/**
 * One entry of the reputation ledger as the API returns it; binary fields are hex. {@code author}
 * is the Ed25519 key that signed the statement (the orchestrator's, or a client's for ratings).
 */
public record LedgerEntryInfo(
    long seq,
    String prevHash,
    String hash,
    long at,
    String author,
    String subject,
    String kind,
    double score,
    String comment,
    String signature) {

  /** One page of entries; {@code nextAfter} continues it, null at the end. */
  public record Page(List<LedgerEntryInfo> entries, Long nextAfter) {
    public Page {
      entries = List.copyOf(entries);
    }
  }

  /** The outcome of checking the whole chain on the orchestrator. */
  public record ChainCheck(boolean ok, long entries, String headHash, Long firstBadSeq, String reason) {}
}
