package dev.shoal.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * A node's identity on disk, a worker's or the orchestrator's: its Ed25519 private key as
 * PEM-encoded PKCS#8 (the format of {@code openssl genpkey -algorithm ed25519}), readable only by
 * its owner. Created on first use. The public key is not stored: it is derived from the seed.
 */
public final class KeyFiles {

  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";

  private KeyFiles() {}

  /** Reads the key in {@code file}, or creates the file with a fresh key (mode 0600). */
  public static KeyPair loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      return load(file);
    }
    KeyPair key = Ed25519.generate();
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    // Write to a private temporary file and link it into place: the key is never readable by
    // others, a crash never leaves half an identity, and a link (unlike a rename) refuses to
    // replace a file another process created first, so every creator ends with the same key.
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the file inherits its directory's ACL.
      tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
    }
    try {
      Files.writeString(tmp, toPem(key.getPrivate()), StandardCharsets.US_ASCII);
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        return load(file);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return key;
  }

  public static KeyPair load(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IOException("key file " + file + " is not a PEM private key (" + BEGIN + " ... " + END + ")");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end));
      PrivateKey priv = Ed25519.privateKey(der);
      return new KeyPair(Ed25519.publicKey(publicKeyOf(priv)), priv);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("key file " + file + " does not hold an Ed25519 PKCS#8 key: " + e.getMessage(), e);
    }
  }

  static String toPem(PrivateKey key) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
    return BEGIN + "\n" + body + "\n" + END + "\n";
  }

  /**
   * The raw public key of an Ed25519 private key. The JDK has no API for this, but its key pair
   * generator takes the private seed straight from the random source, so feeding it the seed
   * regenerates the same pair.
   */
  static byte[] publicKeyOf(PrivateKey key) throws GeneralSecurityException {
    if (!(key instanceof EdECPrivateKey ed)) {
      throw new GeneralSecurityException("not an EdDSA private key: " + key.getAlgorithm());
    }
    byte[] seed = ed.getBytes().orElseThrow(() -> new GeneralSecurityException("the private key hides its seed"));
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
    KeyPair pair = g.generateKeyPair();
    if (!Arrays.equals(((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow(), seed)) {
      throw new GeneralSecurityException("could not derive the public key from the private key");
    }
    return Ed25519.rawPublicKey(pair.getPublic());
  }

  /** A "random" source that yields one fixed seed; used only to re-derive a key pair. */
  private static final class SeedRandom extends SecureRandom {
    private final byte[] seed;

    SeedRandom(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (bytes.length != seed.length) {
        throw new IllegalStateException("expected a request for " + seed.length + " bytes, got " + bytes.length);
      }
      System.arraycopy(seed, 0, bytes, 0, seed.length);
    }
  }
}
