package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.PrincipalKeys;
import dev.shoal.client.internal.Transport;
import java.security.KeyPair;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A fleet owner's workers ({@code /v1/fleet/pairings}), asynchronously: the owner pairs with a
 * worker that named it ({@code shoal worker --owner p…}) by signing the pairing too, lists its
 * workers and ends a pairing. Pairing and unpairing need a key that acts as the owner itself,
 * not as its delegate. Thread-safe.
 */
public final class AsyncFleet {

  private final Transport transport;
  private final Encoding encoding;

  AsyncFleet(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /**
   * The fleet owner holding {@code ownerKey} (its Ed25519 principal key) takes {@code worker} (a
   * peer id) into its fleet, signing its half of the pairing now. {@link ConflictException} while
   * the worker's latest descriptor does not name this owner, or it is paired with another.
   */
  public CompletableFuture<Pairing> pair(String worker, KeyPair ownerKey) {
    Objects.requireNonNull(ownerKey, "ownerKey");
    return pair(worker, PrincipalKeys.rawPublicKey(ownerKey.getPublic()), m -> PrincipalKeys.sign(ownerKey.getPrivate(), m));
  }

  /**
   * The fleet owner whose raw 32-byte Ed25519 key is {@code ownerPublicKey} takes {@code worker}
   * into its fleet; {@code signer} signs the pairing with the matching private key, wherever it
   * lives. The signature is dated now and holds for ten minutes around the orchestrator's clock;
   * it is checked here first, so a signer that signs something else is named before anything is
   * sent.
   */
  public CompletableFuture<Pairing> pair(String worker, byte[] ownerPublicKey, ProofSigner signer) {
    Objects.requireNonNull(worker, "worker");
    Objects.requireNonNull(signer, "signer");
    if (ownerPublicKey == null || ownerPublicKey.length != PrincipalKeys.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("ownerPublicKey must be a raw Ed25519 key of 32 bytes");
    }
    String owner = PrincipalKeys.principalId(ownerPublicKey);
    long signedAt = System.currentTimeMillis();
    byte[] message = PrincipalKeys.pairingMessage(worker, owner, signedAt);
    byte[] signature = signer.sign(message.clone());
    if (!PrincipalKeys.verifies(ownerPublicKey, message, signature)) {
      throw new IllegalArgumentException(
          "the signer's signature does not verify with ownerPublicKey: it must be a pure Ed25519 signature of the bytes given,"
              + " by the matching private key");
    }
    return transport.call(transport.post("/v1/fleet/pairings", encoding.pairing(worker, signedAt, signature)), Decoding::pairing);
  }

  /** The owner ends its pairing with {@code worker}, at once. {@link NotFoundException} if it is not paired. */
  public CompletableFuture<Void> unpair(String worker) {
    return transport.call(transport.request("/v1/fleet/pairings/" + Transport.segment(worker)).DELETE().build(), json -> null);
  }

  /** Every pairing in force. */
  public CompletableFuture<List<Pairing>> pairings() {
    return transport.call(transport.get("/v1/fleet/pairings"), Decoding::pairings);
  }

  /** The pairings in force of fleet owner {@code owner} ({@code p…}): its workers. */
  public CompletableFuture<List<Pairing>> pairings(String owner) {
    return transport.call(transport.get("/v1/fleet/pairings?owner=" + Transport.query(owner)), Decoding::pairings);
  }
}
