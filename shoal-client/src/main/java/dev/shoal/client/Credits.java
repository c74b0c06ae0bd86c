package dev.shoal.client;

import dev.shoal.client.internal.Sync;

/**
 * The credit ledger ({@code /v1/credits}): an admin grants credits to a client; a task published
 * to a service holds its payment from the client's balance until it ends, then pays the fleet
 * owner of the worker whose result was accepted (the worker itself when unpaired), or refunds the
 * client on cancel, expiry or failure. Every movement is one entry between two accounts, so the
 * books always sum to zero ({@link #check()}). Thread-safe.
 */
public final class Credits {

  /** The account grants come from; its balance is minus everything ever granted. */
  public static final String MINT = "mint";

  private final AsyncCredits async;

  Credits(AsyncCredits async) {
    this.async = async;
  }

  /** The account a client spends from: {@code client:p…}. */
  public static String clientAccount(String principal) {
    return "client:" + principal;
  }

  /** The account a fleet owner's workers earn into: {@code fleet:p…}. */
  public static String fleetAccount(String principal) {
    return "fleet:" + principal;
  }

  /** The account an unpaired worker earns into: {@code worker:w…}. */
  public static String workerAccount(String peerId) {
    return "worker:" + peerId;
  }

  /** The account a task's payment is held in while it runs: {@code escrow:{job}.{task}}. */
  public static String escrowAccount(String taskId) {
    return "escrow:" + taskId;
  }

  /** Admin: gives client {@code principal} {@code amount} credits from the mint. */
  public CreditEntry grant(String principal, long amount) {
    return Sync.await(async.grant(principal, amount));
  }

  /** What {@code principal} can spend, what its tasks hold, what its fleet earned. */
  public CreditBalance balance(String principal) {
    return Sync.await(async.balance(principal));
  }

  /** Up to {@code limit} entries after {@code after}, oldest first, touching {@code account} (null: any). */
  public CreditEntry.Page entries(String account, long after, int limit) {
    return Sync.await(async.entries(account, after, limit));
  }

  /** Whether the books balance. */
  public CreditCheck check() {
    return Sync.await(async.check());
  }
}
