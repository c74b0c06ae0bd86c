package dev.shoal.orchestrator.internal.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobUrlsTest {

  @TempDir Path dir;
  private static final String BLOB = "ab".repeat(32);

  @Test
  void aSignatureOpensExactlyItsGrantUntilItExpires() {
    BlobUrls urls = BlobUrls.open(dir);
    BlobUrls.Grant g = new BlobUrls.Grant(BLOB, 10, 19, 1_000);
    String sig = urls.sign(g);
    assertThat(urls.refusal(g, sig, 999)).isNull();
    assertThat(urls.refusal(g, sig, 1_000)).contains("expired");
    assertThat(urls.refusal(new BlobUrls.Grant(BLOB, 10, 20, 1_000), sig, 0)).contains("does not match");
    assertThat(urls.refusal(new BlobUrls.Grant(BLOB, 9, 19, 1_000), sig, 0)).contains("does not match");
    assertThat(urls.refusal(new BlobUrls.Grant(BLOB, 10, 19, 2_000), sig, 0)).contains("does not match");
    assertThat(urls.refusal(new BlobUrls.Grant("cd".repeat(32), 10, 19, 1_000), sig, 0)).contains("does not match");
    assertThat(urls.refusal(g, "00" + sig.substring(2), 0)).contains("does not match");
    assertThat(urls.refusal(g, null, 0)).contains("missing");
  }

  @Test
  void theKeyStaysInTheDataDirectoryOwnerOnlySoUrlsOutliveARestart() throws Exception {
    BlobUrls.Grant g = new BlobUrls.Grant(BLOB, 0, 0, Long.MAX_VALUE);
    String sig = BlobUrls.open(dir).sign(g);
    assertThat(BlobUrls.open(dir).refusal(g, sig, 0)).isNull();
    assertThat(Files.getPosixFilePermissions(dir.resolve("blob-urls.key")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(BlobUrls.open(null).refusal(g, sig, 0)).as("another orchestrator's key").isNotNull();
  }
}
