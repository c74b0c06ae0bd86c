package dev.shoal.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A worker's peer id is derived from its Ed25519 public key, so anyone can check that a key and
 * an id belong together: {@code "w" + base32(sha256(rawPublicKey))[0..32)}, lowercase, no padding.
 * An orchestrator's id is the same with an {@code "o"} in front instead.
 */
public final class PeerIds {

  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final int LENGTH = 32;

  private PeerIds() {}

  /** The peer id of a raw 32-byte Ed25519 public key. */
  public static String fromPublicKey(byte[] rawPublicKey) {
    return derive('w', rawPublicKey);
  }

  /** The orchestrator id of a raw 32-byte Ed25519 public key. */
  public static String orchestratorId(byte[] rawPublicKey) {
    return derive('o', rawPublicKey);
  }

  /**
   * The principal id of a client or fleet owner's raw 32-byte Ed25519 public key: {@code "p"} in
   * front. (A worker's principal id is its peer id.)
   */
  public static String principalId(byte[] rawPublicKey) {
    return derive('p', rawPublicKey);
  }

  /** Whether {@code s} has the shape of a client's or fleet owner's principal id. */
  public static boolean isPrincipalId(String s) {
    return s != null && s.length() == LENGTH + 1 && s.charAt(0) == 'p' && isWellFormed('w' + s.substring(1));
  }

  private static String derive(char prefix, byte[] rawPublicKey) {
    if (rawPublicKey.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has 32 bytes, got " + rawPublicKey.length);
    }
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(rawPublicKey);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    StringBuilder out = new StringBuilder(LENGTH + 1).append(prefix);
    int buffer = 0;
    int bits = 0;
    for (byte b : digest) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5 && out.length() <= LENGTH) {
        out.append(ALPHABET[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
      if (out.length() > LENGTH) {
        break;
      }
    }
    return out.toString();
  }

  /** Whether {@code s} has the shape of a peer id. */
  public static boolean isWellFormed(String s) {
    if (s.length() != LENGTH + 1 || s.charAt(0) != 'w') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
        return false;
      }
    }
    return true;
  }
}
