package dev.shoal.client;

/**
 * Signs a principal's proof where its private key lives (a hardware token, an agent, another
 * process): its registration, or a fleet owner's half of a pairing. A pure Ed25519 signature (RFC
 * 8032, no prehash, no context parameter) of 64 bytes over exactly the bytes given, which already
 * carry the proof's context, so one signer cannot be made to sign one proof for another. With a
 * {@link java.security.KeyPair} at hand, {@code principals().register(kind, name, keyPair)} and
 * {@code fleet().pair(worker, keyPair)} sign themselves.
 */
@FunctionalInterface
public interface ProofSigner {
  byte[] sign(byte[] message);
}
