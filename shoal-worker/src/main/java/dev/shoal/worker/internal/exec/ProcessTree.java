package dev.shoal.worker.internal.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a command's processes are started and stopped: as the leader of a process group of their
 * own (through {@code setsid}, where the system has it), under an address-space cap ({@code
 * ulimit -v} in a {@code /bin/sh} that then {@code exec}s the command, so no shell stays
 * behind), and killed as a whole: every descendant, then the process, then anything left in its
 * group, which also catches children that were orphaned and re-parented away from the tree.
 */
final class ProcessTree {

  private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);

  private static final Path SETSID = firstExecutable("/usr/bin/setsid", "/bin/setsid");
  private static final Path KILL = firstExecutable("/bin/kill", "/usr/bin/kill");

  /** Exit code of the wrapper when the cap cannot be set; the command never runs uncapped. */
  static final int CAP_FAILED = 125;

  private ProcessTree() {}

  /** Whether killed trees are swept by process group as well (setsid and kill are both here). */
  static boolean groups() {
    return SETSID != null && KILL != null;
  }

  /** The full command line for {@code argv} under an address-space cap ({@code 0}: none). */
  static List<String> command(List<String> argv, long memoryBytes) {
    List<String> cmd = new ArrayList<>();
    if (groups()) {
      // --wait only matters if setsid must fork (never for a child of the JVM): the exit status
      // is then still the command's.
      cmd.add(SETSID.toString());
      cmd.add("--wait");
    }
    if (memoryBytes > 0) {
      cmd.add("/bin/sh");
      cmd.add("-c");
      cmd.add("ulimit -v " + Math.max(1, memoryBytes / 1024) + " || exit " + CAP_FAILED + "; exec \"$@\"");
      cmd.add("shoal-process");
    }
    cmd.addAll(argv);
    return cmd;
  }

  /** Kills {@code p} and everything it started. Returns without waiting for them to die. */
  static void kill(Process p) {
    // Descendants first, while the tree still links them to p: once p dies they are re-parented.
    List<ProcessHandle> below = p.descendants().toList();
    below.forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    killGroup(p.pid());
  }

  /**
   * Kills what is left in the process group {@code p} led, if groups are in use: children that
   * outlived it still hold its pipes open or keep running. A no-op when nothing is left.
   */
  static void killGroup(long leader) {
    if (!groups()) {
      return;
    }
    // The JDK cannot signal a process group; kill(1) can.
    ProcessBuilder pb =
        new ProcessBuilder(KILL.toString(), "-s", "KILL", "--", "-" + leader)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().clear();
    try {
      Process k = pb.start();
      if (!k.waitFor(5, TimeUnit.SECONDS)) {
        k.destroyForcibly();
        log.warn("event=process_group_kill_stuck group={}", leader);
      }
    } catch (IOException e) {
      log.warn("event=process_group_kill_failed group={} error=\"{}\"", leader, e.toString());
    } catch (InterruptedException e) {
      // The kill was sent; only waiting for kill(1) itself was cut short.
      Thread.currentThread().interrupt();
    }
  }

  private static Path firstExecutable(String... candidates) {
    for (String c : candidates) {
      Path p = Path.of(c);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
