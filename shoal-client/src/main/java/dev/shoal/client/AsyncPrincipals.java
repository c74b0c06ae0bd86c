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
 * Clients and fleet owners ({@code /v1/principals}), asynchronously: registered by an admin with
 * proof that they hold their Ed25519 key, listed and looked up by anyone with {@code read}.
 * Thread-safe.
 */
public final class AsyncPrincipals {

  private final Transport transport;
  private final Encoding encoding;

  AsyncPrincipals(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /**
   * Admin: registers the holder of {@code key} (an Ed25519 key pair) as a {@code kind} named
   * {@code name}, signing the proof now; its id is {@link Principals#principalIdOf(byte[])} of the
   * public key. {@link ConflictException} if that key is registered already.
   */
  public CompletableFuture<PrincipalInfo> register(PrincipalInfo.Kind kind, String name, KeyPair key) {
    Objects.requireNonNull(key, "key");
    return register(kind, name, PrincipalKeys.rawPublicKey(key.getPublic()), m -> PrincipalKeys.sign(key.getPrivate(), m));
  }

  /**
   * Admin: registers the holder of the raw 32-byte Ed25519 {@code publicKey} as a {@code kind}
   * named {@code name}; {@code signer} signs the proof with the matching private key, wherever it
   * lives. The proof is dated now and holds for ten minutes around the orchestrator's clock.
   */
  public CompletableFuture<PrincipalInfo> register(PrincipalInfo.Kind kind, String name, byte[] publicKey, ProofSigner signer) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(signer, "signer");
    if (publicKey == null || publicKey.length != PrincipalKeys.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("publicKey must be a raw Ed25519 key of 32 bytes");
    }
    long signedAt = System.currentTimeMillis();
    byte[] message = PrincipalKeys.proofMessage(kind.wireName(), name, signedAt);
    byte[] signature = signer.sign(message.clone());
    if (!PrincipalKeys.verifies(publicKey, message, signature)) {
      throw new IllegalArgumentException(
          "the signer's signature does not verify with publicKey: it must be a pure Ed25519 signature of the bytes given,"
              + " by the matching private key");
    }
    return transport.call(
        transport.post("/v1/principals", encoding.principal(kind.wireName(), name, publicKey, signedAt, signature)),
        Decoding::principal);
  }

  /** Every principal, oldest first. */
  public CompletableFuture<List<PrincipalInfo>> list() {
    return transport.call(transport.get("/v1/principals"), Decoding::principals);
  }

  /** One principal; {@link NotFoundException} if none has that id. */
  public CompletableFuture<PrincipalInfo> get(String id) {
    return transport.call(transport.get("/v1/principals/" + Transport.segment(id)), Decoding::principal);
  }
}
