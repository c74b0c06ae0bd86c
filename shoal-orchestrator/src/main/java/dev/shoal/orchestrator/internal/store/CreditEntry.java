package dev.shoal.orchestrator.internal.store;

/**
 * One double-entry movement of credits: {@code amount} (> 0) leaves account {@code from} and
 * enters {@code to}, so every entry balances by itself and all balances always sum to zero (the
 * {@code mint} account goes negative by what admins granted). {@code seq} is dense from 1.
 * Accounts are {@code mint}, {@code client:p…}, {@code escrow:{job}.{task}}, {@code fleet:p…}
 * and {@code worker:w…}. {@code reason}: {@code grant}, {@code hold}, {@code pay}, {@code refund}.
 */
public record CreditEntry(
    long seq, long at, String from, String to, long amount, String reason, String jobId, String taskId, String actor) {

  public CreditEntry {
    if (amount <= 0) {
      throw new IllegalArgumentException("a credit entry moves a positive amount, got " + amount);
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("a credit entry moves between two accounts, got " + from + " twice");
    }
  }
}
