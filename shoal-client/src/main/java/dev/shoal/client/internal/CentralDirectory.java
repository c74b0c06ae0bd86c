package dev.shoal.client.internal;

import dev.shoal.client.ArtifactException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The names and Unix file types a zip's central directory records. {@code java.util.zip} hides
 * the external attributes where a symbolic link is marked, so they are read here (APPNOTE 4.3.12,
 * 4.3.16); archives large enough to need ZIP64 records are refused, being over the SDK's caps.
 */
final class CentralDirectory {

  /** One entry: its raw name and whether its Unix mode says "symbolic link" (or another non-file type). */
  record Entry(String name, boolean special) {}

  private static final int END_SIGNATURE = 0x06054b50;
  private static final int ENTRY_SIGNATURE = 0x02014b50;
  private static final int END_SIZE = 22;
  private static final int UNIX = 3;
  private static final int TYPE_MASK = 0170000;
  private static final int REGULAR = 0100000;
  private static final int DIRECTORY = 0040000;

  private CentralDirectory() {}

  static List<Entry> read(Path zip, int maxEntries) {
    try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
      long size = ch.size();
      int tail = (int) Math.min(size, END_SIZE + 0xFFFF);
      ByteBuffer end = read(ch, size - tail, tail);
      int at = -1;
      for (int i = tail - END_SIZE; i >= 0; i--) {
        if (end.getInt(i) == END_SIGNATURE) {
          at = i;
          break;
        }
      }
      if (at < 0) {
        throw new ArtifactException("the artifact archive is not a zip (no end of central directory)", null);
      }
      int count = Short.toUnsignedInt(end.getShort(at + 10));
      long cdSize = Integer.toUnsignedLong(end.getInt(at + 12));
      long cdOffset = Integer.toUnsignedLong(end.getInt(at + 16));
      if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
        throw new ArtifactException("the artifact archive needs ZIP64, which is over the SDK's caps", null);
      }
      if (count > maxEntries) {
        throw new ArtifactException("the artifact archive has " + count + " entries, over the cap of " + maxEntries, null);
      }
      if (cdOffset + cdSize > size) {
        throw new ArtifactException("the artifact archive's central directory lies outside the file", null);
      }
      ByteBuffer cd = read(ch, cdOffset, (int) cdSize);
      List<Entry> entries = new ArrayList<>(count);
      int p = 0;
      for (int n = 0; n < count; n++) {
        if (p + 46 > cd.limit() || cd.getInt(p) != ENTRY_SIGNATURE) {
          throw new ArtifactException("the artifact archive's central directory is corrupt", null);
        }
        int madeBy = Short.toUnsignedInt(cd.getShort(p + 4)) >>> 8;
        int nameLength = Short.toUnsignedInt(cd.getShort(p + 28));
        int extraLength = Short.toUnsignedInt(cd.getShort(p + 30));
        int commentLength = Short.toUnsignedInt(cd.getShort(p + 32));
        long external = Integer.toUnsignedLong(cd.getInt(p + 38));
        if (p + 46 + nameLength > cd.limit()) {
          throw new ArtifactException("the artifact archive's central directory is corrupt", null);
        }
        byte[] name = new byte[nameLength];
        cd.get(p + 46, name);
        int type = (int) (external >>> 16) & TYPE_MASK;
        boolean special = madeBy == UNIX && type != 0 && type != REGULAR && type != DIRECTORY;
        entries.add(new Entry(new String(name, StandardCharsets.UTF_8), special));
        p += 46 + nameLength + extraLength + commentLength;
      }
      return entries;
    } catch (IOException e) {
      throw new ArtifactException("cannot read the artifact archive: " + e.getMessage(), e);
    }
  }

  private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
    return b.flip();
  }
}
