package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.security.KeyPair;

/** Workers' reputation and the signed ledger behind it; quarantine and trust (admin). Thread-safe. */
public final class Peers {

  private final AsyncPeers async;

  Peers(AsyncPeers async) {
    this.async = async;
  }

  /** A worker's reputation, quarantine and trust, connected or not. */
  public Reputation get(String peerId) {
    return Sync.await(async.get(peerId));
  }

  /** A page of the ledger entries about {@code peerId} after sequence number {@code afterSeq}. */
  public LedgerEntryInfo.Page ledger(String peerId, long afterSeq, int limit) {
    return Sync.await(async.ledger(peerId, afterSeq, limit));
  }

  /** A page of the whole ledger (every worker) after sequence number {@code afterSeq}. */
  public LedgerEntryInfo.Page ledger(long afterSeq, int limit) {
    return Sync.await(async.ledger(afterSeq, limit));
  }

  /** Has the orchestrator check the whole ledger chain: links, sequence and every signature. */
  public LedgerEntryInfo.ChainCheck verify() {
    return Sync.await(async.verify());
  }

  /** Rates a worker, signed with {@code author}; returns the entry as placed in the chain. */
  public LedgerEntryInfo rate(String peerId, double score, String comment, KeyPair author) {
    return Sync.await(async.rate(peerId, score, comment, author));
  }

  /** Admin: ends a worker's quarantine now; {@link ConflictException} if it is not quarantined. */
  public void liftQuarantine(String peerId) {
    Sync.await(async.liftQuarantine(peerId));
  }

  /** Admin: registers a trusted worker (lighter validation; spot checks all the same). */
  public void trust(String peerId) {
    Sync.await(async.trust(peerId));
  }

  /** Admin: takes a worker's trust back. */
  public void untrust(String peerId) {
    Sync.await(async.untrust(peerId));
  }
}
