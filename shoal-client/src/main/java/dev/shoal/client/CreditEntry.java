package dev.shoal.client;

import java.util.List;

/**
 * One movement of the double-entry credit ledger (API.md "Credits"): {@code amount} credits from
 * one account to another, at {@code at} (epoch ms), numbered by a dense {@code seq}. Accounts are
 * named {@code mint}, {@code client:p…}, {@code escrow:{job}.{task}}, {@code fleet:p…} and {@code
 * worker:w…} ({@link Credits#clientAccount} and its siblings make them). {@code reason} is {@code
 * grant} (mint to client), {@code hold} (client to a task's escrow, at publishing), {@code pay}
 * (escrow to whoever's result was accepted) or {@code refund} (escrow back to the client);
 * {@code taskId} names the task for all but grants (null then).
 */
public record CreditEntry(long seq, long at, String from, String to, long amount, String reason, String taskId) {

  /** One page of entries, oldest first; pass {@code nextAfter} as the next page's {@code after}. */
  public record Page(List<CreditEntry> entries, long nextAfter) {
    public Page {
      entries = List.copyOf(entries);
    }
  }
}
