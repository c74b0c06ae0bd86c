package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Transport;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;

/** Workers' reputation and the signed ledger behind it; quarantine and trust (admin), asynchronously. Thread-safe. */
public final class AsyncPeers {

  private final Transport transport;

  AsyncPeers(Transport transport) {
    this.transport = transport;
  }

  /** A worker's reputation, quarantine and trust, connected or not. */
  public CompletableFuture<Reputation> get(String peerId) {
    return transport.call(transport.get("/v1/peers/" + Transport.segment(peerId)), Decoding::reputation);
  }

  /** A page of the ledger entries about {@code peerId} after sequence number {@code afterSeq}. */
  public CompletableFuture<LedgerEntryInfo.Page> ledger(String peerId, long afterSeq, int limit) {
    return ledgerPage("/v1/peers/" + Transport.segment(peerId) + "/ledger", afterSeq, limit);
  }

  /** A page of the whole ledger (every worker) after sequence number {@code afterSeq}. */
  public CompletableFuture<LedgerEntryInfo.Page> ledger(long afterSeq, int limit) {
    return ledgerPage("/v1/ledger", afterSeq, limit);
  }

  private CompletableFuture<LedgerEntryInfo.Page> ledgerPage(String path, long afterSeq, int limit) {
    return transport.call(transport.get(path + "?after=" + afterSeq + "&limit=" + limit), Decoding::ledgerPage);
  }

  /** Has the orchestrator check the whole ledger chain: links, sequence and every signature. */
  public CompletableFuture<LedgerEntryInfo.ChainCheck> verify() {
    return transport.call(transport.get("/v1/ledger/verify"), Decoding::chainCheck);
  }

  /**
   * Rates a worker: {@code score} in [-1, 1] and a comment of at most 1024 bytes, signed with
   * {@code author} (an Ed25519 key pair) so the ledger shows who said it. Completes with the entry
   * as placed in the chain.
   */
  public CompletableFuture<LedgerEntryInfo> rate(String peerId, double score, String comment, KeyPair author) {
    byte[] body = Ratings.body(author, peerId, score, comment, System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
    return transport.call(transport.post("/v1/peers/" + Transport.segment(peerId) + "/ratings", body), Decoding::entry);
  }

  /** Admin: ends a worker's quarantine now; {@link ConflictException} if it is not quarantined. */
  public CompletableFuture<Void> liftQuarantine(String peerId) {
    return transport.call(
        transport.post("/v1/peers/" + Transport.segment(peerId) + "/quarantine/lift", (byte[]) null), json -> null);
  }

  /** Admin: registers a trusted worker (lighter validation; spot checks all the same). */
  public CompletableFuture<Void> trust(String peerId) {
    return trusted(peerId, true);
  }

  /** Admin: takes a worker's trust back. */
  public CompletableFuture<Void> untrust(String peerId) {
    return trusted(peerId, false);
  }

  private CompletableFuture<Void> trusted(String peerId, boolean trusted) {
    HttpRequest.Builder b = transport.request("/v1/trusted/" + Transport.segment(peerId));
    return transport.call((trusted ? b.PUT(HttpRequest.BodyPublishers.noBody()) : b.DELETE()).build(), json -> null);
  }
}
