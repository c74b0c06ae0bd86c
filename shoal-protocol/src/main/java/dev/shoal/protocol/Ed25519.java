package dev.shoal.protocol;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Ed25519 with raw 32-byte public keys on the wire. Keys are the JDK's (generated, stored as
 * PKCS#8, X.509 being a fixed 12-byte prefix plus the raw key); signing and verifying use
 * BouncyCastle's RFC 8032 arithmetic, which measured 50-80 µs per operation here against the JDK
 * provider's 500-650 µs: with a signature on every result, that is the difference between a few
 * thousand and tens of thousands of tasks per second.
 */
public final class Ed25519 {

  public static final int PUBLIC_KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private Ed25519() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every JDK since 15", e);
    }
  }

  /** The raw 32-byte form of an Ed25519 public key. */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] encoded = key.getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - PUBLIC_KEY_BYTES, encoded.length);
  }

  public static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
    if (raw.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException("an Ed25519 public key has 32 bytes, got " + raw.length);
    }
    byte[] encoded = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
    System.arraycopy(raw, 0, encoded, X509_PREFIX.length, PUBLIC_KEY_BYTES);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
  }

  /** Reads a private key in PKCS#8 encoding (as {@link PrivateKey#getEncoded()} writes it). */
  public static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
  }

  /**
   * A key pair made ready for signing many messages: the seed and public key taken out once. BC's
   * one-argument signing derives the public key again on every call, a second scalar
   * multiplication that doubled the cost of each result's signature.
   */
  public static final class Signer {
    private final byte[] seed;
    private final byte[] publicKey;

    private Signer(byte[] seed, byte[] publicKey) {
      this.seed = seed;
      this.publicKey = publicKey;
    }

    /** Signs {@code context || message}, as {@link Ed25519#sign} does. */
    public byte[] sign(byte[] context, byte[] message) {
      byte[] signature = new byte[SIGNATURE_BYTES];
      byte[] m = concat(context, message);
      org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, publicKey, 0, m, 0, m.length, signature, 0);
      return signature;
    }

    /** The raw 32-byte public key it signs for. */
    public byte[] publicKey() {
      return publicKey.clone();
    }
  }

  /** A signer for {@code keys}, whose private key must expose its seed (as the JDK's do). */
  public static Signer signer(KeyPair keys) {
    if (!(keys.getPrivate() instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new IllegalArgumentException("not an Ed25519 private key with an accessible seed: " + keys.getPrivate().getAlgorithm());
    }
    byte[] seed = ed.getBytes().get();
    byte[] derived = new byte[PUBLIC_KEY_BYTES];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, derived, 0);
    if (!Arrays.equals(derived, rawPublicKey(keys.getPublic()))) {
      throw new IllegalArgumentException("the public key does not belong to the private key");
    }
    return new Signer(seed, derived);
  }

  /**
   * One public key made ready for checking many signatures: decoded and fully validated once
   * (non-canonical encodings and small-order points refused), instead of on every call.
   */
  public static final class Verifier {
    private final org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point;

    private Verifier(org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint point) {
      this.point = point;
    }

    /** Whether {@code signature} signs {@code context || message}; always false for an invalid key. */
    public boolean verify(byte[] context, byte[] message, byte[] signature) {
      if (point == null || signature.length != SIGNATURE_BYTES) {
        return false;
      }
      byte[] m = concat(context, message);
      return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, point, m, 0, m.length);
    }
  }

  /** A verifier for a raw public key; one that refuses everything if the key is not valid. */
  public static Verifier verifier(byte[] rawPublicKey) {
    return new Verifier(
        rawPublicKey.length == PUBLIC_KEY_BYTES
            ? org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(rawPublicKey, 0)
            : null);
  }

  /** Signs {@code context || message}; the context keeps one kind of signature from passing as another. */
  public static byte[] sign(PrivateKey key, byte[] context, byte[] message) {
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new IllegalArgumentException("not an Ed25519 private key with an accessible seed: " + key.getAlgorithm());
    }
    byte[] seed = ed.getBytes().get();
    byte[] signature = new byte[SIGNATURE_BYTES];
    byte[] m = concat(context, message);
    org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, m, 0, m.length, signature, 0);
    Arrays.fill(seed, (byte) 0);
    return signature;
  }

  /** Whether {@code signature} is {@code rawPublicKey}'s signature over {@code context || message}. */
  public static boolean verify(byte[] rawPublicKey, byte[] context, byte[] message, byte[] signature) {
    if (signature.length != SIGNATURE_BYTES || rawPublicKey.length != PUBLIC_KEY_BYTES) {
      return false;
    }
    byte[] m = concat(context, message);
    // Strict RFC 8032 verification: non-canonical encodings and small-order keys are refused.
    return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, rawPublicKey, 0, m, 0, m.length);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
