package dev.shoal.client;

/**
 * Signs a principal's registration proof where its private key lives (a hardware token, an agent,
 * another process): a pure Ed25519 signature (RFC 8032, no prehash, no context parameter) of 64
 * bytes over exactly the bytes given, which already carry the proof's context. With a {@link
 * java.security.KeyPair} at hand, {@code principals().register(kind, name, keyPair)} signs itself.
 */
@FunctionalInterface
public interface ProofSigner {
  byte[] sign(byte[] message);
}
