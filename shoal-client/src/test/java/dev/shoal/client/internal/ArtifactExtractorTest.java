package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.client.ArtifactException;
import dev.shoal.client.ArtifactLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile artifact archives, built here byte by byte where java.util.zip would not write them. */
class ArtifactExtractorTest {

  @TempDir Path tmp;

  @Test
  void aGoodArchiveIsExtractedWithItsFolders() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("report/", new byte[0]);
    entries.put("report/policy.md", bytes("# Leave policy"));
    entries.put("data/deep/er/table.csv", bytes("a,b\n1,2\n"));
    entries.put("empty.txt", new byte[0]);
    Path dir = tmp.resolve("out");

    var written = ArtifactExtractor.extract(zip(entries), dir, ArtifactLimits.DEFAULT);

    assertThat(written)
        .containsExactly(dir.resolve("report/policy.md"), dir.resolve("data/deep/er/table.csv"), dir.resolve("empty.txt"));
    assertThat(Files.readString(dir.resolve("report/policy.md"))).isEqualTo("# Leave policy");
    assertThat(Files.readString(dir.resolve("data/deep/er/table.csv"))).isEqualTo("a,b\n1,2\n");
  }

  @Test
  void namesThatCouldLeaveTheFolderAreRefusedBeforeAnythingIsWritten() throws IOException {
    for (String evil : new String[] {"../escape.txt", "a/../../escape.txt", "/tmp/absolute.txt", "a\\..\\b.txt", "C:evil.txt", "a//b", "./x"}) {
      Map<String, byte[]> entries = new LinkedHashMap<>();
      entries.put("fine.txt", bytes("fine"));
      entries.put(evil, bytes("evil"));
      Path dir = tmp.resolve("slip" + Math.abs(evil.hashCode()));

      assertThatThrownBy(() -> ArtifactExtractor.extract(zip(entries), dir, ArtifactLimits.DEFAULT))
          .as(evil)
          .isInstanceOf(ArtifactException.class)
          .hasMessageContaining("artifact name");
      assertThat(dir).doesNotExist();
    }
    assertThat(tmp.resolve("escape.txt")).doesNotExist();
    assertThat(Path.of("/tmp/absolute.txt")).doesNotExist();
  }

  @Test
  void aSymbolicLinkEntryIsRefused() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("link", bytes("/etc/passwd"));
    Path zip = zip(entries);
    markAsUnixSymlink(zip, "link");

    assertThatThrownBy(() -> ArtifactExtractor.extract(zip, tmp.resolve("out"), ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("link");
  }

  @Test
  void aZipBombStopsAtTheByteCapAndLeavesNothingBehind() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("first.txt", bytes("written, then removed again"));
    entries.put("bomb.bin", new byte[8 << 20]);
    Path zip = zip(entries);
    assertThat(Files.size(zip)).isLessThan(64 << 10);
    Path dir = tmp.resolve("out");

    assertThatThrownBy(() -> ArtifactExtractor.extract(zip, dir, new ArtifactLimits(10, 1 << 20)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("cap of 1048576 bytes");
    assertThat(dir).as("created for this archive, so removed with it").doesNotExist();
  }

  @Test
  void tooManyEntriesAreRefused() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 11; i++) {
      entries.put("f" + i, bytes("x"));
    }

    assertThatThrownBy(() -> ArtifactExtractor.extract(zip(entries), tmp.resolve("out"), new ArtifactLimits(10, 1 << 20)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("11 entries");
  }

  @Test
  void aNameTwiceOrAFileWhereAFolderMustBeIsRefused() throws IOException {
    Map<String, byte[]> twice = new LinkedHashMap<>();
    twice.put("a.txt", bytes("one"));
    twice.put("b.txt", bytes("two"));
    Path zip = zip(twice);
    rename(zip, "b.txt", "a.txt");
    Map<String, byte[]> clash = new LinkedHashMap<>();
    clash.put("a", bytes("file"));
    clash.put("a/b", bytes("under a file"));

    assertThatThrownBy(() -> ArtifactExtractor.extract(zip, tmp.resolve("twice"), ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("appears twice");
    assertThatThrownBy(() -> ArtifactExtractor.extract(zip(clash), tmp.resolve("clash"), ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("both a file and a folder");
  }

  @Test
  void existingFilesAreNeverOverwrittenNorLinksFollowed() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(dir.resolve("keep.txt"), "mine");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(dir.resolve("linked"), outside);

    assertThatThrownBy(() -> ArtifactExtractor.extract(zip(Map.of("keep.txt", bytes("theirs"))), dir, ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("will not overwrite");
    assertThatThrownBy(() -> ArtifactExtractor.extract(zip(Map.of("linked/x.txt", bytes("through"))), dir, ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("is a link");
    assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("mine");
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void whatIsNotAZipIsRefused() throws IOException {
    Path junk = Files.write(tmp.resolve("junk.zip"), bytes("<html>not a zip</html>"));
    Path good = zip(Map.of("a.txt", bytes("a")));
    byte[] all = Files.readAllBytes(good);
    Path truncated = Files.write(tmp.resolve("truncated.zip"), Arrays.copyOf(all, all.length - 10));

    assertThatThrownBy(() -> ArtifactExtractor.extract(junk, tmp.resolve("a"), ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class);
    assertThatThrownBy(() -> ArtifactExtractor.extract(truncated, tmp.resolve("b"), ArtifactLimits.DEFAULT))
        .isInstanceOf(ArtifactException.class);
  }

  // ---------------------------------------------------------------- building archives

  private Path zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return Files.write(Files.createTempFile(tmp, "artifacts", ".zip"), bytes.toByteArray());
  }

  /** Sets "made by Unix" and mode lrwxrwxrwx on the entry's central directory record. */
  private static void markAsUnixSymlink(Path zip, String name) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    for (int p = 0; p + 46 < b.length; p++) {
      if (buf.getInt(p) == 0x02014b50) {
        int nameLength = Short.toUnsignedInt(buf.getShort(p + 28));
        if (new String(b, p + 46, nameLength, StandardCharsets.UTF_8).equals(name)) {
          buf.put(p + 5, (byte) 3);
          buf.putInt(p + 38, 0120777 << 16);
        }
      }
    }
    Files.write(zip, b);
  }

  /** Renames an entry everywhere its name is written (local header and central directory). */
  private static void rename(Path zip, String from, String to) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    byte[] f = bytes(from);
    byte[] t = bytes(to);
    for (int p = 0; p + f.length <= b.length; p++) {
      if (Arrays.equals(b, p, p + f.length, f, 0, f.length)) {
        System.arraycopy(t, 0, b, p, t.length);
      }
    }
    Files.write(zip, b);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
