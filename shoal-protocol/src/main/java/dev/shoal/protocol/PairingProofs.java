package dev.shoal.protocol;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;

/**
 * The fleet owner's half of a pairing: its signature over the worker's peer id, its own principal
 * id and the time of signing, under a context of its own. (The worker's half is its signed node
 * descriptor naming the owner in {@code owner}.) The orchestrator accepts one signed within ten
 * minutes of now.
 */
public final class PairingProofs {

  private static final byte[] CONTEXT = "shoal-pairing-v1\n".getBytes(StandardCharsets.US_ASCII);
  public static final long MAX_SKEW_MILLIS = PrincipalProofs.MAX_SKEW_MILLIS;

  private PairingProofs() {}

  public static byte[] sign(PrivateKey ownerKey, String workerPeerId, String ownerId, long signedAtMillis) {
    return Ed25519.sign(ownerKey, CONTEXT, message(workerPeerId, ownerId, signedAtMillis));
  }

  public static boolean verify(
      byte[] ownerPublicKey, String workerPeerId, String ownerId, long signedAtMillis, byte[] signature) {
    return Ed25519.verify(ownerPublicKey, CONTEXT, message(workerPeerId, ownerId, signedAtMillis), signature);
  }

  private static byte[] message(String workerPeerId, String ownerId, long signedAtMillis) {
    return (workerPeerId + "\n" + ownerId + "\n" + signedAtMillis).getBytes(StandardCharsets.UTF_8);
  }
}
