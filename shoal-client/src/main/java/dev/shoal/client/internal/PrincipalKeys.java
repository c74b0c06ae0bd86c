package dev.shoal.client.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * The protocol's principal ids, registration proofs and pairing proofs ({@code
 * dev.shoal.protocol.PeerIds}, {@code PrincipalProofs} and {@code PairingProofs}, API.md
 * "Principals and delegates" and "Fleets"), repeated here so the SDK needs no protocol jar: an id
 * is {@code "p"} + the first 32 characters of the lowercase, unpadded base32 of the raw key's
 * SHA-256; a registration proof is a pure Ed25519 signature over {@code "shoal-principal-v1\n" +
 * kind + "\n" + name + "\n" + signedAt} (UTF-8), a pairing proof one over {@code
 * "shoal-pairing-v1\n" + worker + "\n" + owner + "\n" + signedAt}, both made with the JDK's own
 * Ed25519. A test keeps them in step with the protocol's.
 */
public final class PrincipalKeys {

  public static final int PUBLIC_KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  private static final byte[] CONTEXT = "shoal-principal-v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PAIRING_CONTEXT = "shoal-pairing-v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final int ID_CHARS = 32;
  /** An Ed25519 key's X.509 encoding is this fixed prefix and the raw key. */
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private PrincipalKeys() {}

  /** The raw 32 bytes of an Ed25519 public key; {@link IllegalArgumentException} for any other key. */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded == null
        || encoded.length != X509_PREFIX.length + PUBLIC_KEY_BYTES
        || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
  }

  /** The principal id of a raw 32-byte Ed25519 public key. */
  public static String principalId(byte[] rawPublicKey) {
    if (rawPublicKey.length != PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + rawPublicKey.length);
    }
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(rawPublicKey);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    // 32 characters of 5 bits are the digest's first 160 bits: 20 whole bytes, no remainder.
    StringBuilder out = new StringBuilder(ID_CHARS + 1).append('p');
    int buffer = 0;
    int bits = 0;
    for (int i = 0; out.length() <= ID_CHARS; i++) {
      buffer = (buffer << 8) | (digest[i] & 0xff);
      bits += 8;
      while (bits >= 5 && out.length() <= ID_CHARS) {
        out.append(ALPHABET[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    return out.toString();
  }

  /** Whether {@code s} has the shape of a client's or fleet owner's id: {@code p} and 32 base32 characters. */
  public static boolean isPrincipalId(String s) {
    if (s == null || s.length() != ID_CHARS + 1 || s.charAt(0) != 'p') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '2' && c <= '7')) {
        return false;
      }
    }
    return true;
  }

  /** Exactly the bytes a registration proof signs, context included. */
  public static byte[] proofMessage(String kind, String name, long signedAtMillis) {
    return withContext(CONTEXT, kind + "\n" + name + "\n" + signedAtMillis);
  }

  /**
   * Exactly the bytes a fleet owner's half of a pairing signs, context included: its principal id
   * {@code owner} takes {@code worker} (a peer id) into its fleet.
   */
  public static byte[] pairingMessage(String worker, String owner, long signedAtMillis) {
    return withContext(PAIRING_CONTEXT, worker + "\n" + owner + "\n" + signedAtMillis);
  }

  private static byte[] withContext(byte[] context, String text) {
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(context, context.length + message.length);
    System.arraycopy(message, 0, out, context.length, message.length);
    return out;
  }

  /**
   * Whether {@code signature} is {@code rawPublicKey}'s over {@code message}, by the JDK: a check
   * before sending, so a signer that signs something else is named here rather than refused as a
   * bad proof by the orchestrator.
   */
  public static boolean verifies(byte[] rawPublicKey, byte[] message, byte[] signature) {
    if (rawPublicKey.length != PUBLIC_KEY_BYTES || signature == null || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    byte[] encoded = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
    System.arraycopy(rawPublicKey, 0, encoded, X509_PREFIX.length, PUBLIC_KEY_BYTES);
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)));
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      // Not a point on the curve, say: nothing it could have signed.
      return false;
    }
  }

  /** A pure Ed25519 signature over {@code message}; {@link IllegalArgumentException} for a key that is not Ed25519. */
  public static byte[] sign(PrivateKey key, byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the key must be an Ed25519 private key: " + e.getMessage(), e);
    }
  }
}
