package dev.shoal.worker.internal.exec;

import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code process.run@1}: runs one of the commands the worker's owner allowlisted, never a command
 * line from the network. Each attempt gets a fresh working directory under the worker's data
 * directory with an output folder in it, a clean environment (nothing of the worker's leaks in,
 * its API keys least of all), the task's blob on stdin, and the owner's caps on address space,
 * stdout and artifact bytes. The whole process tree is killed on cancel, timeout or once the
 * command exits, and the working directory is deleted. Thread-safe.
 */
public final class ProcessExecutor implements TaskExecutor {

  private static final Logger log = LoggerFactory.getLogger(ProcessExecutor.class);

  public static final OperatorId RUN = OperatorId.parse("process.run@1");

  private static final Set<String> ATTRIBUTES = Set.of("command", "stream");
  /** The only PATH a command ever sees; an allowlisted argv[0] is looked up there. */
  public static final String PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final String OUTPUT_PLACEHOLDER = "{output}";
  /** How much of stderr's end a failure message quotes. */
  private static final int STDERR_TAIL = 2048;
  /**
   * After the command exits, how long its pipes may stay open before what still holds them (a
   * child it left running) is killed. Normally they close with the command.
   */
  private static final Duration PIPE_GRACE = Duration.ofMillis(200);

  /**
   * The owner's caps.
   *
   * @param memoryBytes address space per process; 0 for none
   * @param outputCap stdout bytes kept (and streamed); stderr streams at most this much too
   * @param artifactCap bytes of artifacts per result
   */
  public record Limits(long memoryBytes, long outputCap, long artifactCap) {}

  private final Map<String, List<String>> commands;
  private final Limits limits;
  private final Path attempts;

  /**
   * @param commands name to argv; each argv[0] is resolved now, in {@link #PATH} unless it is a
   *     path, so what runs never depends on the worker's own PATH
   * @param attempts the folder attempts' working directories are made in; created if missing
   * @throws IllegalArgumentException if a program is not an executable file
   */
  public ProcessExecutor(Map<String, List<String>> commands, Limits limits, Path attempts) {
    Map<String, List<String>> resolved = new java.util.HashMap<>();
    commands.forEach(
        (name, argv) -> {
          Path program = resolveProgram(argv.getFirst());
          if (program == null) {
            throw new IllegalArgumentException("command: '" + name + "' runs '" + argv.getFirst() + "', which is not an executable file");
          }
          List<String> full = new ArrayList<>(argv);
          full.set(0, program.toString());
          resolved.put(name, List.copyOf(full));
        });
    this.commands = Map.copyOf(resolved);
    this.limits = limits;
    this.attempts = attempts;
    sweepLeftovers();
  }

  /** Working directories a killed worker (kill -9, power loss) could not delete. */
  private void sweepLeftovers() {
    if (!Files.isDirectory(attempts, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> left = Files.newDirectoryStream(attempts, "attempt-*")) {
      for (Path p : left) {
        Folders.deleteTree(p);
        log.info("event=workdir_swept path={} reason=left_by_an_earlier_run", p);
      }
    } catch (IOException e) {
      log.warn("event=workdir_sweep_failed path={} error=\"{}\"", attempts, e.toString());
    }
  }

  /** Removes the attempts folder if no attempt is using it. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(attempts);
    } catch (DirectoryNotEmptyException e) {
      // An attempt is still winding down; its own cleanup deletes its directory.
    } catch (IOException e) {
      log.debug("event=attempts_folder_kept path={} error=\"{}\"", attempts, e.toString());
    }
  }

  /**
   * The absolute path of a command's program: itself if it has a slash, else the first match in
   * {@link #PATH}; null if that is not an executable regular file.
   */
  public static Path resolveProgram(String program) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      return p.isAbsolute() && Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
    for (String dir : PATH.split(":")) {
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Override
  public Set<OperatorId> operators() {
    return Set.of(RUN);
  }

  @Override
  public Job admit(TaskDescriptor task) throws Rejection {
    AdmissionChecks.onlyAttributes(task, ATTRIBUTES);
    AttributeValue command = task.getAttributesMap().get("command");
    if (command == null || command.getKindCase() != AttributeValue.KindCase.STRING_VALUE || command.getStringValue().isEmpty()) {
      throw Rejection.badInput("process.run@1 needs the attribute command: the name of an allowlisted command");
    }
    String name = command.getStringValue();
    List<String> argv = commands.get(name);
    if (argv == null) {
      throw Rejection.unsupported("command '" + printable(name) + "' is not allowlisted on this worker");
    }
    boolean stream = AdmissionChecks.stream(task);
    if (task.getInputsCount() > 1) {
      throw Rejection.badInput("process.run@1 takes at most one input (a Blob for stdin), got " + task.getInputsCount());
    }
    ByteString stdin = ByteString.EMPTY;
    if (task.getInputsCount() == 1) {
      if (!task.getInputs(0).hasBlob()) {
        throw Rejection.badInput("inputs[0] of process.run@1 must be a Blob (written to stdin)");
      }
      stdin = task.getInputs(0).getBlob().getData();
    }
    return new ProcessJob(name, argv, stdin, stream);
  }

  private final class ProcessJob implements Job {
    private final String name;
    private final List<String> argv;
    private final ByteString stdin;
    private final boolean stream;

    ProcessJob(String name, List<String> argv, ByteString stdin, boolean stream) {
      this.name = name;
      this.argv = argv;
      this.stdin = stdin;
      this.stream = stream;
    }

    @Override
    public Outcome run(ChunkSink chunks, long outputBudget) throws InterruptedException {
      Path work;
      try {
        Files.createDirectories(attempts);
        work = Files.createTempDirectory(attempts, "attempt-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (IOException | UnsupportedOperationException e) {
        return new Outcome.Failed("internal", "could not make a working directory under " + attempts + ": " + e.getMessage());
      }
      try {
        return runIn(work, chunks, outputBudget);
      } finally {
        try {
          Folders.deleteTree(work);
        } catch (IOException e) {
          log.warn("event=workdir_not_deleted path={} error=\"{}\"", work, e.toString());
        }
      }
    }

    private Outcome runIn(Path work, ChunkSink chunks, long budget) throws InterruptedException {
      Path output = work.resolve("output");
      Path tmp = work.resolve("tmp");
      try {
        Files.createDirectory(output);
        Files.createDirectory(tmp);
      } catch (IOException e) {
        return new Outcome.Failed("internal", "could not make the output folder: " + e.getMessage());
      }
      List<String> args = new ArrayList<>(argv.size());
      for (String a : argv) {
        args.add(a.replace(OUTPUT_PLACEHOLDER, output.toString()));
      }
      ProcessBuilder pb = new ProcessBuilder(ProcessTree.command(args, limits.memoryBytes())).directory(work.toFile());
      Map<String, String> env = pb.environment();
      env.clear();
      env.put("PATH", PATH);
      env.put("HOME", work.toString());
      env.put("LANG", "C.UTF-8");
      env.put("TMPDIR", tmp.toString());
      env.put("SHOAL_OUTPUT_DIR", output.toString());
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        return Outcome.execution("command '" + name + "' could not be started: " + e.getMessage());
      }
      long stdoutCap = Math.min(limits.outputCap(), budget);
      ChunkSink sink = stream ? chunks : null;
      OutputDrain out = OutputDrain.start(p.getInputStream(), sink, ChunkSink.STDOUT, stdoutCap, stdoutCap, 0);
      OutputDrain err = OutputDrain.start(p.getErrorStream(), sink, ChunkSink.STDERR, 0, limits.outputCap(), STDERR_TAIL);
      Thread.ofVirtual().name("shoal-process-stdin").start(() -> feed(p.getOutputStream()));
      try {
        int code = p.waitFor();
        if (!out.join(PIPE_GRACE) || !err.join(PIPE_GRACE)) {
          // The command exited but something it started still holds its pipes.
          ProcessTree.killGroup(p.pid());
        }
        out.join();
        err.join();
        if (code != 0) {
          return Outcome.execution(exitMessage(code, err.tail()));
        }
        byte[] stdout = out.captured();
        List<Value> outputs = new ArrayList<>();
        outputs.add(
            Value.newBuilder()
                .setBlob(Blob.newBuilder().setMediaType("text/plain; charset=utf-8").setData(ByteString.copyFrom(stdout)))
                .build());
        try {
          outputs.addAll(ArtifactCollector.collect(output, Math.min(limits.artifactCap(), budget - stdout.length)));
        } catch (ArtifactCollector.Refused e) {
          return Outcome.execution("command '" + name + "': " + e.getMessage());
        }
        String note = out.truncated() ? "stdout truncated to its first " + stdoutCap + " of " + out.total() + " bytes" : "";
        return new Outcome.Ok(outputs, note);
      } finally {
        // Whatever happened, nothing the attempt started outlives it.
        ProcessTree.kill(p);
      }
    }

    private void feed(OutputStream in) {
      try (in) {
        stdin.writeTo(in);
      } catch (IOException e) {
        // The command exited, or closed stdin, without reading all of it; that is its business.
        log.debug("event=stdin_not_consumed command={} error=\"{}\"", name, e.toString());
      }
    }

    private String exitMessage(int code, String stderrTail) {
      String why =
          code == ProcessTree.CAP_FAILED && limits.memoryBytes() > 0
              ? " (or its memory cap could not be set)"
              : code > 128 ? " (killed by signal " + (code - 128) + ")" : "";
      String tail = stderrTail.strip();
      return "command '" + name + "' exited with code " + code + why + (tail.isEmpty() ? "" : "; stderr ends: " + tail);
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 100; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c != 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }
}
