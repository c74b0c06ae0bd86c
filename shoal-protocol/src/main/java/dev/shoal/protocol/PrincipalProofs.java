package dev.shoal.protocol;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;

/**
 * Proof that whoever registers a client or fleet owner holds its Ed25519 private key: a signature
 * over its kind, name and the time of signing, under a context of its own so no other Shoal
 * signature can pass for one. The orchestrator accepts a proof signed within ten minutes of now.
 */
public final class PrincipalProofs {

  private static final byte[] CONTEXT = "shoal-principal-v1\n".getBytes(StandardCharsets.US_ASCII);
  /** How far a proof's signing time may be from the orchestrator's clock. */
  public static final long MAX_SKEW_MILLIS = 10 * 60 * 1000;

  private PrincipalProofs() {}

  /** The signature a principal makes to be registered as {@code kind} named {@code name}. */
  public static byte[] sign(PrivateKey key, String kind, String name, long signedAtMillis) {
    return Ed25519.sign(key, CONTEXT, message(kind, name, signedAtMillis));
  }

  /** Whether {@code signature} is {@code rawPublicKey}'s proof for {@code kind}, {@code name}, {@code signedAtMillis}. */
  public static boolean verify(byte[] rawPublicKey, String kind, String name, long signedAtMillis, byte[] signature) {
    return Ed25519.verify(rawPublicKey, CONTEXT, message(kind, name, signedAtMillis), signature);
  }

  private static byte[] message(String kind, String name, long signedAtMillis) {
    return (kind + "\n" + name + "\n" + signedAtMillis).getBytes(StandardCharsets.UTF_8);
  }
}
