package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.KeyFiles;
import dev.shoal.protocol.PeerIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's Ed25519 identity on disk: owner-only, stable across loads, refused when corrupt. */
class WorkerIdentitySpecTest {

  @TempDir Path dir;

  private static String peerId(KeyPair key) {
    return PeerIds.fromPublicKey(Ed25519.rawPublicKey(key.getPublic()));
  }

  @Test
  void aNewKeyFileIsOwnerOnlyAndLoadsBackToTheSamePeerId() throws Exception {
    Path file = dir.resolve("nested/dir/worker.key");

    KeyPair created = KeyFiles.loadOrCreate(file);

    assertThat(file).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(file.resolveSibling("worker.key.tmp")).doesNotExist();
    KeyPair loaded = KeyFiles.loadOrCreate(file);
    assertThat(peerId(loaded)).isEqualTo(peerId(created));
    assertThat(loaded.getPrivate().getEncoded()).isEqualTo(created.getPrivate().getEncoded());
    assertThat(PeerIds.isWellFormed(peerId(loaded))).isTrue();
  }

  @Test
  void twoKeyFilesGiveTwoIdentities() throws Exception {
    assertThat(peerId(KeyFiles.loadOrCreate(dir.resolve("a.key"))))
        .isNotEqualTo(peerId(KeyFiles.loadOrCreate(dir.resolve("b.key"))));
  }

  @Test
  void aFileThatIsNotPemIsRefusedWithAClearIOException() throws Exception {
    Path file = dir.resolve("junk.key");
    Files.writeString(file, "this is not a key\n");

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("PEM");
    assertThat(Files.readString(file)).isEqualTo("this is not a key\n");
  }

  @Test
  void aPemFileWithACorruptBodyIsRefusedWithAClearIOException() throws Exception {
    Path file = dir.resolve("corrupt.key");
    Files.writeString(file, "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("Ed25519");
  }

  @Test
  void aTruncatedKeyFileIsRefusedWithAClearIOException() throws Exception {
    Path file = dir.resolve("cut.key");
    KeyFiles.loadOrCreate(file);
    String pem = Files.readString(file);
    Files.writeString(file, pem.substring(0, pem.length() / 2));

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(file)).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
  }

  /**
   * Two workers started at once with the same new key file (say a supervisor starting both) must
   * end up with one identity, and each must hold the key that is on disk: the file says so.
   */
  @Test
  void concurrentCreatorsOfOneKeyFileAllGetTheKeyOnDisk() throws Exception {
    int rounds = 30;
    int threads = 4;
    List<String> problems = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
      for (int round = 0; round < rounds && problems.isEmpty(); round++) {
        Path file = dir.resolve("race-" + round + ".key");
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        List<java.util.concurrent.Future<KeyPair>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          futures.add(
              pool.submit(
                  () -> {
                    start.await();
                    return KeyFiles.loadOrCreate(file);
                  }));
        }
        List<String> held = new java.util.ArrayList<>();
        for (var f : futures) {
          try {
            held.add(peerId(f.get()));
          } catch (java.util.concurrent.ExecutionException e) {
            problems.add("round " + round + ": a creator failed: " + e.getCause());
          }
        }
        // Only now, with every creator done, read what the file holds.
        String onDisk = peerId(KeyFiles.loadOrCreate(file));
        for (String got : held) {
          if (!got.equals(onDisk)) {
            problems.add("round " + round + ": a creator holds " + got + " but the file holds " + onDisk);
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void aKeyFileThatCannotBeCreatedIsAnIOException() throws Exception {
    Path notADir = dir.resolve("plain-file");
    Files.writeString(notADir, "x");

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(notADir.resolve("worker.key"))).isInstanceOf(IOException.class);
  }

  @Test
  void aWorkerWithAKeyFileKeepsItsPeerIdAcrossRestarts() throws Exception {
    Path file = dir.resolve("worker.key");
    WorkerConfig config =
        WorkerConfig.builder().orchestrators(List.of("nowhere:1")).name("keyed").keyFile(file).build();

    Worker first = Worker.create(config);
    Worker second = Worker.create(config);

    assertThat(second.peerId()).isEqualTo(first.peerId()).isEqualTo(peerId(KeyFiles.loadOrCreate(file)));
    assertThat(Worker.create(WorkerConfig.builder().orchestrators(List.of("nowhere:1")).name("fresh").build()).peerId())
        .isNotEqualTo(first.peerId());
    for (Worker w : List.of(first, second)) {
      w.drain();
      assertThat(w.awaitTermination(Duration.ZERO)).isTrue();
    }
  }

  @Test
  void aWorkerWithACorruptKeyFileFailsToBeCreatedNamingTheSetting() throws Exception {
    Path file = dir.resolve("bad.key");
    Files.writeString(file, "garbage");
    WorkerConfig config = WorkerConfig.builder().orchestrators(List.of("nowhere:1")).name("keyed").keyFile(file).build();

    assertThatThrownBy(() -> Worker.create(config))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("key-file:")
        .hasMessageContaining(file.toString());
  }
}
