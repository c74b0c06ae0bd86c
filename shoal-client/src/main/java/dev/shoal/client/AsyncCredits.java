package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Transport;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The credit ledger ({@code /v1/credits}), asynchronously: an admin grants credits to a client;
 * anyone with {@code read} reads balances, the entries and whether the books balance. Account
 * names are made by {@link Credits#clientAccount} and its siblings. Thread-safe.
 */
public final class AsyncCredits {

  private final Transport transport;
  private final Encoding encoding;

  AsyncCredits(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /**
   * Admin: gives client {@code principal} {@code amount} credits (1..10^12) from the mint.
   * {@link InvalidArgumentException} for a fleet owner, who earns rather than pays; {@link
   * NotFoundException} for an unknown principal.
   */
  public CompletableFuture<CreditEntry> grant(String principal, long amount) {
    Objects.requireNonNull(principal, "principal");
    return transport.call(transport.post("/v1/credits/grants", encoding.creditGrant(principal, amount)), Decoding::creditEntry);
  }

  /** What {@code principal} can spend, what its tasks hold, what its fleet earned. */
  public CompletableFuture<CreditBalance> balance(String principal) {
    return transport.call(transport.get("/v1/credits/" + Transport.segment(principal)), Decoding::creditBalance);
  }

  /**
   * Up to {@code limit} (1..1000) entries with {@code seq > after}, oldest first, touching
   * {@code account} (null for every account).
   */
  public CompletableFuture<CreditEntry.Page> entries(String account, long after, int limit) {
    String q = "?after=" + after + "&limit=" + limit + (account == null ? "" : "&account=" + Transport.query(account));
    return transport.call(transport.get("/v1/credits/entries" + q), Decoding::creditPage);
  }

  /** Whether every balance sums to zero, as a double-entry ledger must. */
  public CompletableFuture<CreditCheck> check() {
    return transport.call(transport.get("/v1/credits/check"), Decoding::creditCheck);
  }
}
