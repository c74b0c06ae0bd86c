package dev.shoal.client;

import dev.shoal.client.internal.PrincipalKeys;
import dev.shoal.client.internal.Sync;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;

/**
 * Clients and fleet owners ({@code /v1/principals}): registered by an admin with proof that they
 * hold their Ed25519 key, listed and looked up by anyone with {@code read}. An API key acts as a
 * principal once created for it ({@code keys().create(..., principal)}); what a principal lets
 * others do for it is {@link ShoalClient#delegates()}. Thread-safe.
 */
public final class Principals {

  private final AsyncPrincipals async;

  Principals(AsyncPrincipals async) {
    this.async = async;
  }

  /**
   * The id of the principal holding this raw 32-byte Ed25519 public key: {@code "p"} and the first
   * 32 base32 characters of its SHA-256. Known before registering, and checkable by anyone.
   */
  public static String principalIdOf(byte[] rawPublicKey) {
    return PrincipalKeys.principalId(rawPublicKey);
  }

  /** The principal id of an Ed25519 public key; {@link IllegalArgumentException} for any other key. */
  public static String principalIdOf(PublicKey key) {
    return PrincipalKeys.principalId(PrincipalKeys.rawPublicKey(key));
  }

  /**
   * Admin: registers the holder of {@code key} (an Ed25519 key pair) as a {@code kind} named
   * {@code name}, signing the proof now. {@link ConflictException} if that key is registered
   * already.
   */
  public PrincipalInfo register(PrincipalInfo.Kind kind, String name, KeyPair key) {
    return Sync.await(async.register(kind, name, key));
  }

  /**
   * Admin: registers the holder of the raw 32-byte Ed25519 {@code publicKey}; {@code signer}
   * signs the proof with the matching private key, wherever it lives.
   */
  public PrincipalInfo register(PrincipalInfo.Kind kind, String name, byte[] publicKey, ProofSigner signer) {
    return Sync.await(async.register(kind, name, publicKey, signer));
  }

  /** Every principal, oldest first. */
  public List<PrincipalInfo> list() {
    return Sync.await(async.list());
  }

  /** One principal; {@link NotFoundException} if none has that id. */
  public PrincipalInfo get(String id) {
    return Sync.await(async.get(id));
  }
}
