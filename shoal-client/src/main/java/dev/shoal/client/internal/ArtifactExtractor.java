package dev.shoal.client.internal;

import dev.shoal.client.ArtifactException;
import dev.shoal.client.ArtifactLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Extracts a task's artifact zip into a folder so that nothing can land outside it: every name
 * must pass {@link ArtifactNameRule} (no absolute paths, no "..", no backslashes), links and
 * other special entries are refused, names may not repeat or collide (a file where a folder must
 * be), entries and bytes are capped (bytes counted as written), existing files are never
 * overwritten and existing links never followed. The whole archive is checked before anything is
 * written, and whatever was written is removed again if extraction fails half way.
 */
public final class ArtifactExtractor {

  private ArtifactExtractor() {}

  /** The most bytes a zip holding at most {@code limits} can sensibly take on the wire. */
  public static long maxArchiveBytes(ArtifactLimits limits) {
    // Data (deflate can grow incompressible data a little), plus two headers and a descriptor per
    // entry with names of up to 512 characters, plus the end record and its longest comment.
    return limits.maxBytes() + limits.maxBytes() / 64 + limits.maxEntries() * 2048L + 70_000;
  }

  /** Extracts {@code zip} into {@code dir} (created if missing); returns the files written, in archive order. */
  public static List<Path> extract(Path zip, Path dir, ArtifactLimits limits) {
    List<CentralDirectory.Entry> entries = CentralDirectory.read(zip, limits.maxEntries());
    List<String> files = new ArrayList<>();
    List<String> folders = new ArrayList<>();
    check(entries, files, folders);
    Deque<Path> created = new ArrayDeque<>();
    try (ZipFile archive = new ZipFile(zip.toFile(), StandardCharsets.UTF_8)) {
      if (archive.size() != entries.size()) {
        throw new ArtifactException("the artifact archive's entries do not match its central directory", null);
      }
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir);
        created.push(dir);
      }
      Path root = dir.toRealPath();
      for (String folder : folders) {
        folders(root, root.resolve(folder), created);
      }
      List<Path> written = new ArrayList<>();
      long budget = limits.maxBytes();
      for (String name : files) {
        ZipEntry entry = archive.getEntry(name);
        if (entry == null || entry.isDirectory()) {
          throw new ArtifactException("the artifact archive has no file " + name, null);
        }
        Path target = root.resolve(name);
        if (!target.normalize().startsWith(root)) {
          throw new ArtifactException("artifact " + name + " would land outside " + root, null);
        }
        folders(root, target.getParent(), created);
        budget -= write(archive, entry, target, budget, limits.maxBytes(), created);
        written.add(target);
      }
      return List.copyOf(written);
    } catch (IOException | RuntimeException e) {
      undo(created);
      if (e instanceof ArtifactException a) {
        throw a;
      }
      if (e instanceof FileAlreadyExistsException x) {
        throw new ArtifactException("will not overwrite " + x.getFile() + ", which already exists", e);
      }
      throw new ArtifactException("cannot extract the artifacts into " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Refuses the archive, before anything is written, if any entry could go astray. */
  private static void check(List<CentralDirectory.Entry> entries, List<String> files, List<String> folders) {
    Set<String> names = new HashSet<>();
    Set<String> parents = new HashSet<>();
    for (CentralDirectory.Entry e : entries) {
      boolean folder = e.name().endsWith("/");
      String name = folder ? e.name().substring(0, e.name().length() - 1) : e.name();
      String problem = ArtifactNameRule.problem(name);
      if (problem != null) {
        throw new ArtifactException("artifact name '" + printable(e.name()) + "' " + problem, null);
      }
      if (e.special()) {
        throw new ArtifactException("artifact " + name + " is a link or a special file", null);
      }
      if (!names.add(name)) {
        throw new ArtifactException("artifact " + name + " appears twice", null);
      }
      (folder ? folders : files).add(name);
      for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
        parents.add(name.substring(0, slash));
      }
    }
    for (String f : files) {
      if (parents.contains(f)) {
        throw new ArtifactException("artifact " + f + " is both a file and a folder", null);
      }
    }
  }

  /** Creates the folders from {@code root} down to {@code folder}, refusing to pass through a link. */
  private static void folders(Path root, Path folder, Deque<Path> created) throws IOException {
    Path p = root;
    for (Path segment : root.relativize(folder)) {
      p = p.resolve(segment);
      if (Files.isSymbolicLink(p)) {
        throw new ArtifactException(p + " is a link; artifacts are not written through links", null);
      }
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      Files.createDirectory(p);
      created.push(p);
    }
  }

  /** Writes one file, never through a link nor over an existing file; returns its size. */
  private static long write(ZipFile archive, ZipEntry entry, Path target, long budget, long cap, Deque<Path> created)
      throws IOException {
    long n = 0;
    try (InputStream in = archive.getInputStream(entry);
        OutputStream out =
            Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      created.push(target);
      byte[] buffer = new byte[64 << 10];
      int r;
      while ((r = in.read(buffer)) >= 0) {
        n += r;
        if (n > budget) {
          throw new ArtifactException("the artifacts hold more than the cap of " + cap + " bytes", null);
        }
        out.write(buffer, 0, r);
      }
    }
    return n;
  }

  private static void undo(Deque<Path> created) {
    while (!created.isEmpty()) {
      try {
        Files.deleteIfExists(created.pop());
      } catch (IOException e) {
        // Best effort: the failure being reported matters more than a leftover file.
      }
    }
  }

  private static String printable(String name) {
    StringBuilder b = new StringBuilder();
    name.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
