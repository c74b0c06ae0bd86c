package dev.shoal.orchestrator.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

  @TempDir Path dir;

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aBlobIsStoredUnderItsDigestOnceAndReadBackWhole() throws Exception {
    BlobStore store = new BlobStore(dir);
    byte[] data = bytes(300_000, 1);
    BlobStore.Stored first = store.put(new ByteArrayInputStream(data), 1 << 20, Optional.empty());
    assertThat(first.sha256()).isEqualTo(sha256(data));
    assertThat(first.size()).isEqualTo(data.length);
    assertThat(first.created()).isTrue();
    assertThat(Files.readAllBytes(store.find(first.sha256()).orElseThrow())).isEqualTo(data);

    BlobStore.Stored again = store.put(new ByteArrayInputStream(data), 1 << 20, Optional.of(first.sha256()));
    assertThat(again.created()).as("immutable: the same bytes store nothing new").isFalse();
    assertThat(store.find("0".repeat(64))).isEmpty();
    assertThat(store.find("../../etc/passwd")).isEmpty();
  }

  @Test
  void aWrongDigestOrAnOversizedBodyStoresNothing() throws Exception {
    BlobStore store = new BlobStore(dir);
    byte[] data = bytes(10_000, 2);
    assertThatThrownBy(() -> store.put(new ByteArrayInputStream(data), 1 << 20, Optional.of("a".repeat(64))))
        .isInstanceOfSatisfying(BlobStore.Refused.class, e -> assertThat(e.tooLarge()).isFalse())
        .hasMessageContaining("not the " + "a".repeat(64));
    assertThatThrownBy(() -> store.put(new ByteArrayInputStream(data), 9_999, Optional.empty()))
        .isInstanceOfSatisfying(BlobStore.Refused.class, e -> assertThat(e.tooLarge()).isTrue());
    assertThat(store.find(sha256(data))).isEmpty();
    try (var left = Files.list(dir.resolve("incoming"))) {
      assertThat(left).as("no partial upload left behind").isEmpty();
    }
  }

  @Test
  void anUploadInterruptedByACrashIsClearedAtTheNextStart() throws Exception {
    new BlobStore(dir);
    Files.write(dir.resolve("incoming").resolve("upload-1.part"), new byte[] {1, 2, 3});
    new BlobStore(dir);
    try (var left = Files.list(dir.resolve("incoming"))) {
      assertThat(left).isEmpty();
    }
  }
}
