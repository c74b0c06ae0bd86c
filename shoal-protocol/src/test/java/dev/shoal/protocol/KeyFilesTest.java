package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

  @TempDir Path dir;

  @Test
  void createsAnOwnerOnlyPemKeyAndReadsTheSameIdentityBack() throws Exception {
    Path file = dir.resolve("keys/worker.key");

    KeyPair created = KeyFiles.loadOrCreate(file);
    KeyPair loaded = KeyFiles.loadOrCreate(file);

    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    assertThat(Ed25519.rawPublicKey(loaded.getPublic())).isEqualTo(Ed25519.rawPublicKey(created.getPublic()));
    byte[] ctx = "ctx".getBytes(StandardCharsets.US_ASCII);
    byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
    byte[] sig = Ed25519.sign(loaded.getPrivate(), ctx, msg);
    assertThat(Ed25519.verify(Ed25519.rawPublicKey(created.getPublic()), ctx, msg, sig)).isTrue();
  }

  @Test
  void readsAKeyWrittenByOpenssl() throws Exception {
    // The PEM form openssl writes, holding RFC 8032's test vector 1 secret key (9d61b19d...).
    Path file = dir.resolve("openssl.pem");
    Files.writeString(
        file,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n");

    KeyPair key = KeyFiles.loadOrCreate(file);

    // RFC 8032 test vector 1's public key, also what `openssl pkey -pubout` derives.
    assertThat(java.util.HexFormat.of().formatHex(Ed25519.rawPublicKey(key.getPublic())))
        .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  }

  @Test
  void aFileThatIsNotAKeyIsRefusedClearly() throws IOException {
    Path file = dir.resolve("bad.key");
    Files.writeString(file, "not a key");

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(file)).isInstanceOf(IOException.class).hasMessageContaining("bad.key");
  }
}
