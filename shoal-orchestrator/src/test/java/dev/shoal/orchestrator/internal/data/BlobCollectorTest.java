package dev.shoal.orchestrator.internal.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCollectorTest {

  @TempDir Path dir;

  private static final long HOUR = Duration.ofHours(1).toMillis();

  private String store(BlobStore blobs, String text, long ageMillis) throws Exception {
    BlobStore.Stored s = blobs.put(text.getBytes(StandardCharsets.UTF_8));
    Path file = blobs.find(s.sha256()).orElseThrow();
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - ageMillis));
    return s.sha256();
  }

  @Test
  void aBlobGoesOnlyWhenNoLiveJobNamesItAndItsGraceHasPassed() throws Exception {
    BlobStore blobs = new BlobStore(dir);
    String referenced = store(blobs, "read by a running job", 5 * HOUR);
    String orphan = store(blobs, "nobody's", 5 * HOUR);
    String fresh = store(blobs, "just uploaded", 0);

    BlobCollector collector = new BlobCollector(blobs, () -> CompletableFuture.completedFuture(Set.of(referenced)), HOUR);
    BlobStore.Collected c = collector.collect();

    assertThat(c.deleted()).isEqualTo(1);
    assertThat(c.bytesFreed()).isEqualTo("nobody's".length());
    assertThat(blobs.find(orphan)).isEmpty();
    assertThat(blobs.find(referenced)).as("never while a live job references it").isPresent();
    assertThat(blobs.find(fresh)).as("within its grace: the job that will use it may not be accepted yet").isPresent();
  }

  @Test
  void uploadingTheSameBytesAgainOrPlanningWithThemRenewsTheGrace() throws Exception {
    BlobStore blobs = new BlobStore(dir);
    String again = store(blobs, "uploaded twice", 5 * HOUR);
    String planned = store(blobs, "named by a submission", 5 * HOUR);
    blobs.put("uploaded twice".getBytes(StandardCharsets.UTF_8));
    blobs.touch(planned);

    BlobStore.Collected c = new BlobCollector(blobs, () -> CompletableFuture.completedFuture(Set.of()), HOUR).collect();

    assertThat(c.deleted()).isZero();
    assertThat(blobs.find(again)).isPresent();
    assertThat(blobs.find(planned)).isPresent();
  }
}
