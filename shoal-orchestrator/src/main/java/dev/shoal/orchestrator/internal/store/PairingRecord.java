package dev.shoal.orchestrator.internal.store;

/**
 * A worker bound to its fleet owner, both sides having signed: the worker by naming the owner in
 * its signed node descriptor (issued at {@code workerSignedAt}), the owner by signing the pairing
 * ({@code ownerSignature} over worker, owner and {@code ownerSignedAt}; see {@code PairingProofs}).
 * {@code endedAt} is 0 while in force; {@code endedBy} says which side ended it ("owner" or
 * "worker"). {@code actor} is the API key that paired them.
 */
public record PairingRecord(
    String worker,
    String owner,
    long workerSignedAt,
    long ownerSignedAt,
    byte[] ownerSignature,
    long createdAt,
    long endedAt,
    String endedBy,
    String actor) {

  public PairingRecord {
    ownerSignature = ownerSignature.clone();
  }

  @Override
  public byte[] ownerSignature() {
    return ownerSignature.clone();
  }

  public boolean inForce() {
    return endedAt == 0;
  }

  public PairingRecord ended(long at, String by) {
    return new PairingRecord(worker, owner, workerSignedAt, ownerSignedAt, ownerSignature, createdAt, at, by, actor);
  }
}
