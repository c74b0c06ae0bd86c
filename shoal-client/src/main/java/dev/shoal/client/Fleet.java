package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.security.KeyPair;
import java.util.List;

/**
 * A fleet owner's workers ({@code /v1/fleet/pairings}): a worker names its owner in its signed
 * descriptor ({@code shoal worker --owner p…}), and the owner pairs with it by signing too; what
 * a paired worker earns goes to its owner, who also registers it to services ({@link
 * ShoalClient#services()}). Pairing and unpairing need a key that acts as the owner itself.
 * Thread-safe.
 */
public final class Fleet {

  private final AsyncFleet async;

  Fleet(AsyncFleet async) {
    this.async = async;
  }

  /**
   * The fleet owner holding {@code ownerKey} pairs with {@code worker} (a peer id), signing now.
   * {@link ConflictException} while the worker's descriptor does not name this owner, or it is
   * paired with another.
   */
  public Pairing pair(String worker, KeyPair ownerKey) {
    return Sync.await(async.pair(worker, ownerKey));
  }

  /**
   * The fleet owner with raw 32-byte Ed25519 key {@code ownerPublicKey} pairs with {@code worker};
   * {@code signer} signs with the matching private key, wherever it lives.
   */
  public Pairing pair(String worker, byte[] ownerPublicKey, ProofSigner signer) {
    return Sync.await(async.pair(worker, ownerPublicKey, signer));
  }

  /** Ends the pairing with {@code worker} at once; {@link NotFoundException} if it is not paired. */
  public void unpair(String worker) {
    Sync.await(async.unpair(worker));
  }

  /** Every pairing in force. */
  public List<Pairing> pairings() {
    return Sync.await(async.pairings());
  }

  /** The pairings in force of fleet owner {@code owner}: its workers. */
  public List<Pairing> pairings(String owner) {
    return Sync.await(async.pairings(owner));
  }
}
