package dev.shoal.worker.internal;

import dev.shoal.protocol.Ed25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Base64;
import java.util.Properties;

/**
 * A worker's identity on disk: the Ed25519 private key (PKCS#8) and raw public key, base64, in a
 * properties file readable only by its owner. Created on first use.
 */
public final class KeyFiles {

  private KeyFiles() {}

  public static KeyPair loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
      }
      try {
        byte[] priv = Base64.getDecoder().decode(require(p, "private", file));
        byte[] pub = Base64.getDecoder().decode(require(p, "public", file));
        return new KeyPair(Ed25519.publicKey(pub), Ed25519.privateKey(priv));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IOException("key file " + file + " does not hold an Ed25519 key: " + e.getMessage(), e);
      }
    }
    KeyPair key = Ed25519.generate();
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    }
    String text =
        "# Shoal worker identity. Keep it secret: whoever has it is this worker.\n"
            + "private=" + Base64.getEncoder().encodeToString(key.getPrivate().getEncoded()) + "\n"
            + "public=" + Base64.getEncoder().encodeToString(Ed25519.rawPublicKey(key.getPublic())) + "\n";
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return key;
  }

  private static String require(Properties p, String key, Path file) throws IOException {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IOException("key file " + file + " has no '" + key + "' entry");
    }
    return v.trim();
  }
}
