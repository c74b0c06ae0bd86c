package dev.shoal.orchestrator.internal.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Blobs stored by content: each under its SHA-256 ({@code blobs/ab/abcdef…}), written to a
 * temporary file while its digest is computed and moved into place atomically, so a reader never
 * sees a partial blob and a crash mid-upload leaves only a temporary file (removed at the next
 * start). A stored blob never changes: storing the same bytes again is a no-op. Thread-safe.
 */
public final class BlobStore {

  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
  private static final int BUFFER = 64 * 1024;

  private final Path root;
  private final Path incoming;
  private final boolean fsync;

  /** What a stored blob is: its digest, its size, and whether this call stored it (false: it was there). */
  public record Stored(String sha256, long size, boolean created) {}

  /** The upload was refused; nothing was stored. */
  public static final class Refused extends Exception {
    private final boolean tooLarge;

    Refused(String message, boolean tooLarge) {
      super(message, null, false, false);
      this.tooLarge = tooLarge;
    }

    /** True when the body went over the size cap; false when its digest was not the one promised. */
    public boolean tooLarge() {
      return tooLarge;
    }
  }

  /** Blobs under {@code root}; leftovers of interrupted uploads there are removed. */
  public BlobStore(Path root) {
    this(root, false);
  }

  /**
   * The same; with {@code fsync}, a blob's bytes reach the disk before it is named, so a job
   * acknowledged with a reference to it survives power loss as the journal does (--fsync).
   */
  public BlobStore(Path root, boolean fsync) {
    this.fsync = fsync;
    this.root = root;
    this.incoming = root.resolve("incoming");
    try {
      Files.createDirectories(incoming);
      try (var leftovers = Files.list(incoming)) {
        for (Path p : (Iterable<Path>) leftovers::iterator) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the blob store at " + root + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code s} has the shape of a digest this store names blobs by. */
  public static boolean isDigest(String s) {
    return s != null && DIGEST.matcher(s).matches();
  }

  /**
   * Stores what {@code in} holds, at most {@code maxBytes}; when {@code expectedSha256} is given the
   * bytes must hash to it.
   *
   * @throws Refused over the cap, or not the promised digest (nothing is kept)
   */
  public Stored put(InputStream in, long maxBytes, Optional<String> expectedSha256) throws IOException, Refused {
    Path temp = Files.createTempFile(incoming, "upload-", ".part");
    try {
      MessageDigest sha = sha256();
      long size = 0;
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE);
          OutputStream out = new DigestOutputStream(java.nio.channels.Channels.newOutputStream(ch), sha)) {
        byte[] buffer = new byte[BUFFER];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          size += n;
          if (size > maxBytes) {
            throw new Refused("the blob is larger than this orchestrator takes (" + maxBytes + " bytes)", true);
          }
          out.write(buffer, 0, n);
        }
        out.flush();
        if (fsync) {
          ch.force(true);
        }
      }
      String digest = HexFormat.of().formatHex(sha.digest());
      if (expectedSha256.isPresent() && !expectedSha256.get().equals(digest)) {
        throw new Refused("the body's sha256 is " + digest + ", not the " + expectedSha256.get() + " promised", false);
      }
      Path target = path(digest);
      if (Files.exists(target)) {
        touch(digest);
        return new Stored(digest, size, false);
      }
      Files.createDirectories(target.getParent());
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException raced) {
        // Another upload of the same bytes won: the content is the same.
        return new Stored(digest, size, false);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the blob store needs a file system that renames atomically", e);
      }
      return new Stored(digest, size, true);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Stores {@code bytes} (a tensor cut from a submission, say) and returns what is stored. */
  public Stored put(byte[] bytes) {
    try {
      return put(new java.io.ByteArrayInputStream(bytes), bytes.length, Optional.empty());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store a blob: " + e.getMessage(), e);
    } catch (Refused e) {
      throw new IllegalStateException("a blob without a cap or a promised digest was refused", e);
    }
  }

  /** The size of blob {@code sha256}, or -1 if it is not stored. */
  public long size(String sha256) {
    Optional<Path> p = find(sha256);
    try {
      return p.isPresent() ? Files.size(p.get()) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Bytes {@code [offset, offset + length)} of a stored blob. */
  public byte[] read(String sha256, long offset, int length) throws IOException {
    Path p = find(sha256).orElseThrow(() -> new java.io.FileNotFoundException("no blob " + sha256));
    try (var ch = java.nio.channels.FileChannel.open(p)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(length);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new java.io.EOFException("blob " + sha256 + " ends before byte " + (offset + length));
        }
      }
      return buf.array();
    }
  }

  /**
   * Bytes {@code [offsets[i], offsets[i] + lengths[i])} of a stored blob for each i, end to end,
   * read with positional reads of one open file: what sampling a few elements of a large blob
   * costs, a few elements of I/O.
   */
  public byte[] read(String sha256, long[] offsets, int[] lengths) throws IOException {
    if (offsets.length != lengths.length) {
      throw new IllegalArgumentException(offsets.length + " offsets but " + lengths.length + " lengths");
    }
    long total = 0;
    for (int length : lengths) {
      if (length < 0) {
        throw new IllegalArgumentException("negative length " + length);
      }
      total += length;
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("ranges of " + total + " bytes do not fit one array");
    }
    Path p = find(sha256).orElseThrow(() -> new java.io.FileNotFoundException("no blob " + sha256));
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) total);
    try (var ch = java.nio.channels.FileChannel.open(p)) {
      for (int i = 0; i < offsets.length; i++) {
        int start = buf.position();
        buf.limit(start + lengths[i]);
        while (buf.hasRemaining()) {
          if (ch.read(buf, offsets[i] + buf.position() - start) < 0) {
            throw new java.io.EOFException("blob " + sha256 + " ends before byte " + (offsets[i] + lengths[i]));
          }
        }
      }
    }
    return buf.array();
  }

  /** The sha256 (64 hex digits) of bytes {@code [offset, offset + length)} of a stored blob. */
  public String rangeDigest(String sha256, long offset, long length) throws IOException {
    Path p = find(sha256).orElseThrow(() -> new java.io.FileNotFoundException("no blob " + sha256));
    MessageDigest sha = sha256();
    try (var ch = java.nio.channels.FileChannel.open(p)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(BUFFER);
      long at = offset;
      long end = offset + length;
      while (at < end) {
        buf.clear().limit((int) Math.min(BUFFER, end - at));
        int n = ch.read(buf, at);
        if (n < 0) {
          throw new java.io.EOFException("blob " + sha256 + " ends before byte " + end);
        }
        sha.update(buf.flip());
        at += n;
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Marks a blob as used now: collection spares it for the grace period, long enough for the job
   * about to reference it to be accepted and so become live.
   */
  public void touch(String sha256) {
    find(sha256).ifPresent(p -> {
      try {
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
      } catch (IOException e) {
        // A blob deleted meanwhile is simply gone; the planner's existence check catches that.
      }
    });
  }

  /** What a collection did. */
  public record Collected(int deleted, long bytesFreed, int kept) {}

  /**
   * Deletes every blob that {@code live} does not name and that nobody touched in the last
   * {@code graceMillis}. A blob a live job references is never deleted, whatever its age.
   */
  public Collected collect(java.util.function.Predicate<String> live, long graceMillis) throws IOException {
    long cutoff = System.currentTimeMillis() - graceMillis;
    int deleted = 0;
    int kept = 0;
    long freed = 0;
    try (var dirs = Files.newDirectoryStream(root, d -> Files.isDirectory(d) && d.getFileName().toString().length() == 2)) {
      for (Path dir : dirs) {
        try (var files = Files.newDirectoryStream(dir)) {
          for (Path f : files) {
            String sha = f.getFileName().toString();
            if (!isDigest(sha) || live.test(sha) || Files.getLastModifiedTime(f).toMillis() >= cutoff) {
              kept++;
              continue;
            }
            long size = Files.size(f);
            if (Files.deleteIfExists(f)) {
              deleted++;
              freed += size;
            }
          }
        }
      }
    }
    return new Collected(deleted, freed, kept);
  }

  /** The file holding blob {@code sha256}, if stored. */
  public Optional<Path> find(String sha256) {
    if (!isDigest(sha256)) {
      return Optional.empty();
    }
    Path p = path(sha256);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  private Path path(String sha256) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
