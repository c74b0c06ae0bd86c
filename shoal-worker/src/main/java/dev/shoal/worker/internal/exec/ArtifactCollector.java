package dev.shoal.worker.internal.exec;

import com.google.protobuf.ByteString;
import dev.shoal.protocol.ArtifactNames;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Turns the regular files a command left in its output folder into named {@code Blob}s
 * (PROTOCOL.md "Artifacts"). The folder is walked without following links; links, devices,
 * pipes and sockets are skipped, so nothing outside the folder is ever read. Names are checked
 * with {@link ArtifactNames} and the result is ordered by name, so two honest workers give the
 * same outputs in the same order. Too many files or bytes refuse the whole folder rather than
 * hand back part of it.
 */
final class ArtifactCollector {

  /** One result carries at most 64 values and stdout is the first. */
  static final int MAX_FILES = ProtocolLimits.DEFAULT.maxValues() - 1;

  /** Folders and files examined before giving up: bounds the walk itself. */
  static final int MAX_ENTRIES = 1000;

  /** Why a folder's contents cannot be a result; the message says so for the task's owner. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private record Found(Path path, String name) {}

  private ArtifactCollector() {}

  /**
   * The artifacts in {@code folder}, at most {@code byteCap} bytes in all.
   *
   * @throws Refused if the folder holds more than the caps allow, a name the protocol forbids,
   *     or a file that cannot be read
   */
  static List<Value> collect(Path folder, long byteCap) throws Refused {
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      // The command removed its output folder (or put a link in its place): nothing to collect.
      return List.of();
    }
    List<Found> found = walk(folder, byteCap);
    found.sort(Comparator.comparing(Found::name));
    List<Value> values = new ArrayList<>(found.size());
    long total = 0;
    for (Found f : found) {
      byte[] data;
      try (InputStream in = Files.newInputStream(f.path(), LinkOption.NOFOLLOW_LINKS)) {
        data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, byteCap - total + 1));
      } catch (IOException e) {
        throw new Refused("artifact '" + f.name() + "' could not be read: " + e.getMessage());
      }
      total += data.length;
      if (total > byteCap) {
        throw new Refused("artifacts exceed " + byteCap + " bytes (at '" + f.name() + "')");
      }
      Blob blob =
          Blob.newBuilder().setName(f.name()).setMediaType(MediaTypes.of(f.name())).setData(ByteString.copyFrom(data)).build();
      values.add(Value.newBuilder().setBlob(blob).build());
    }
    return values;
  }

  private static List<Found> walk(Path folder, long byteCap) throws Refused {
    List<Found> found = new ArrayList<>();
    String[] problem = new String[1];
    SimpleFileVisitor<Path> visitor =
        new SimpleFileVisitor<>() {
          int entries;
          long bytes;

          private FileVisitResult refuse(String why) {
            problem[0] = why;
            return FileVisitResult.TERMINATE;
          }

          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (!dir.equals(folder) && ++entries > MAX_ENTRIES) {
              return refuse("the output folder holds more than " + MAX_ENTRIES + " entries");
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (++entries > MAX_ENTRIES) {
              return refuse("the output folder holds more than " + MAX_ENTRIES + " entries");
            }
            if (!attrs.isRegularFile()) {
              // Links (to anywhere), devices, pipes, sockets: never artifacts.
              return FileVisitResult.CONTINUE;
            }
            String name = name(folder, file);
            String bad = ArtifactNames.problem(name);
            if (bad != null) {
              return refuse("artifact name '" + printable(name) + "' " + bad);
            }
            if (found.size() >= MAX_FILES) {
              return refuse("the output folder holds more than " + MAX_FILES + " files; one result carries at most that many");
            }
            bytes += attrs.size();
            if (bytes > byteCap) {
              return refuse("artifacts exceed " + byteCap + " bytes (at '" + name + "')");
            }
            found.add(new Found(file, name));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return refuse("'" + printable(name(folder, file)) + "' could not be read: " + e.getMessage());
          }
        };
    try {
      // No FOLLOW_LINKS: a link to a folder is visited as a link and skipped, never entered.
      Files.walkFileTree(folder, Set.of(), Integer.MAX_VALUE, visitor);
    } catch (IOException e) {
      throw new Refused("the output folder could not be read: " + e.getMessage());
    }
    if (problem[0] != null) {
      throw new Refused(problem[0]);
    }
    return found;
  }

  /** The path below {@code folder}, with "/" separators whatever the platform. */
  private static String name(Path folder, Path file) {
    Path relative = folder.relativize(file);
    StringBuilder b = new StringBuilder();
    for (Path part : relative) {
      if (!b.isEmpty()) {
        b.append('/');
      }
      b.append(part);
    }
    return b.toString();
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c != 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }
}
