package dev.shoal.orchestrator.internal.store;

/**
 * A client or fleet owner as stored: its id (derived from {@code publicKey}), kind ({@code client}
 * or {@code fleet_owner}), a label, its raw Ed25519 public key, when and by which API key it was
 * registered.
 */
public record PrincipalRecord(String id, String kind, String name, byte[] publicKey, long createdAt, String actor) {

  public PrincipalRecord {
    publicKey = publicKey.clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }
}
