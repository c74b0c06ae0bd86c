package dev.shoal.worker.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code process.run@1} runs real processes: allowlisted commands, caps, kills and artifacts. */
class ProcessExecutorTest {

  private static final long BUDGET = 8 << 20;
  private static final ProcessExecutor.Limits LIMITS = new ProcessExecutor.Limits(0, 4 << 20, 16 << 20);

  @TempDir Path attempts;

  private static Map<String, List<String>> commands(String... nameEqualsArgv) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String c : nameEqualsArgv) {
      int eq = c.indexOf('=');
      m.put(c.substring(0, eq), ShellWords.split(c.substring(eq + 1)));
    }
    return m;
  }

  private ProcessExecutor executor(ProcessExecutor.Limits limits, String... nameEqualsArgv) {
    return new ProcessExecutor(commands(nameEqualsArgv), limits, attempts);
  }

  static TaskDescriptor task(String command, String stdin, boolean stream) {
    TaskDescriptor.Builder t =
        TaskDescriptor.newBuilder()
            .setAttempt(AttemptRef.newBuilder().setJobId("j").setTaskId("t").setAttempt(1))
            .setOperator("process.run@1")
            .setTimeoutMs(30_000)
            .putAttributes("command", AttributeValue.newBuilder().setStringValue(command).build());
    if (stdin != null) {
      t.addInputs(Value.newBuilder().setBlob(Blob.newBuilder().setMediaType("text/plain").setData(ByteString.copyFromUtf8(stdin))));
    }
    if (stream) {
      t.putAttributes("stream", AttributeValue.newBuilder().setIntValue(1).build());
    }
    return t.build();
  }

  private static Outcome.Ok ok(Outcome o) {
    assertThat(o).isInstanceOf(Outcome.Ok.class);
    return (Outcome.Ok) o;
  }

  private static Outcome.Failed failed(Outcome o) {
    assertThat(o).isInstanceOf(Outcome.Failed.class);
    return (Outcome.Failed) o;
  }

  private static String stdout(Outcome.Ok ok) {
    Blob b = ok.outputs().getFirst().getBlob();
    assertThat(b.getMediaType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(b.getName()).isEmpty();
    return b.getData().toStringUtf8();
  }

  private static Map<String, Blob> artifacts(Outcome.Ok ok) {
    Map<String, Blob> m = new LinkedHashMap<>();
    ok.outputs().stream().skip(1).map(Value::getBlob).forEach(b -> m.put(b.getName(), b));
    return m;
  }

  /** Runs a job on a thread of its own, which a test may interrupt as the task runner would. */
  private static final class Running {
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final Thread thread;

    Running(TaskExecutor.Job job, ChunkSink sink) {
      thread =
          Thread.ofPlatform().start(() -> {
            try {
              outcome.complete(job.run(sink, BUDGET));
            } catch (Throwable t) {
              outcome.completeExceptionally(t);
            }
          });
    }
  }

  private static List<Long> pids(String text) {
    return Arrays.stream(text.strip().split("\\s+")).map(Long::parseLong).toList();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  // ---- running ------------------------------------------------------------------------------

  @Test
  void stdinGoesInAndStdoutComesBack() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "echo=cat", "upper=tr a-z A-Z")) {
      RecordingSink sink = new RecordingSink();

      assertThat(stdout(ok(p.admit(task("echo", "hello\nworld\n", false)).run(sink, BUDGET)))).isEqualTo("hello\nworld\n");
      assertThat(stdout(ok(p.admit(task("upper", "shoal", false)).run(sink, BUDGET)))).isEqualTo("SHOAL");
      assertThat(stdout(ok(p.admit(task("echo", null, false)).run(sink, BUDGET)))).isEmpty();
      assertThat(sink.chunks).as("no chunks unless stream = 1").isEmpty();
    }
  }

  @Test
  void withStreamStdoutAndStderrArriveAsChunksWhileTheCommandRuns() throws Exception {
    // Prints, then waits for a line on stdin that the test never sends until it saw the chunks.
    try (ProcessExecutor p = executor(LIMITS, "chatty=sh -c 'echo first; echo oops >&2; sleep 30'")) {
      RecordingSink sink = new RecordingSink();
      Running run = new Running(p.admit(task("chatty", null, true)), sink);

      await().atMost(Duration.ofSeconds(5)).until(() -> sink.text(ChunkSink.STDOUT).equals("first\n"));
      await().atMost(Duration.ofSeconds(5)).until(() -> sink.text(ChunkSink.STDERR).equals("oops\n"));
      assertThat(run.outcome).isNotDone();
      run.thread.interrupt();
      assertThat(catchThrowableOfType(Exception.class, () -> run.outcome.get(5, TimeUnit.SECONDS)))
          .hasCauseInstanceOf(InterruptedException.class);
    }
  }

  @Test
  void streamedStdoutEqualsTheStdoutOutput() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "count=seq 1 20000")) {
      RecordingSink sink = new RecordingSink();

      Outcome.Ok ok = ok(p.admit(task("count", null, true)).run(sink, BUDGET));

      assertThat(sink.text(ChunkSink.STDOUT)).isEqualTo(stdout(ok));
      assertThat(stdout(ok)).startsWith("1\n2\n").endsWith("\n20000\n");
    }
  }

  @Test
  void stdoutPastTheCapIsDroppedAndSaidSo() throws Exception {
    try (ProcessExecutor p = executor(new ProcessExecutor.Limits(0, 10, 0), "count=seq 1 1000")) {
      RecordingSink sink = new RecordingSink();

      Outcome.Ok ok = ok(p.admit(task("count", null, true)).run(sink, BUDGET));

      assertThat(stdout(ok)).isEqualTo("1\n2\n3\n4\n5\n");
      assertThat(sink.text(ChunkSink.STDOUT)).as("the chunks equal the capped stdout").isEqualTo(stdout(ok));
      assertThat(ok.note()).contains("truncated").contains("10 of 3893");
    }
  }

  @Test
  void aNonZeroExitFailsWithTheCodeAndTheEndOfStderr() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "bad=sh -c 'echo partial; echo \"no such file\" >&2; exit 3'")) {
      Outcome.Failed f = failed(p.admit(task("bad", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(f.errorKind()).isEqualTo("execution");
      assertThat(f.message()).isEqualTo("command 'bad' exited with code 3; stderr ends: no such file");
    }
  }

  @Test
  void theEnvironmentIsCleanAndPointsIntoTheWorkingDirectory() throws Exception {
    // The pom sets this variable for the test JVM: the worker's own environment.
    assertThat(System.getenv("SHOAL_TEST_WORKER_SECRET")).isEqualTo("must-not-leak");
    try (ProcessExecutor plain = executor(LIMITS, "env=env");
        ProcessExecutor capped = executor(new ProcessExecutor.Limits(256L << 20, 4 << 20, 0), "env=env")) {
      for (ProcessExecutor p : List.of(plain, capped)) {
        Map<String, String> env =
            stdout(ok(p.admit(task("env", null, false)).run(new RecordingSink(), BUDGET))).lines()
                .map(l -> l.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));

        // PWD appears only when /bin/sh applies the memory cap; it is the working directory.
        assertThat(env.keySet()).containsAll(List.of("PATH", "HOME", "LANG", "TMPDIR", "SHOAL_OUTPUT_DIR"))
            .isSubsetOf("PATH", "HOME", "LANG", "TMPDIR", "SHOAL_OUTPUT_DIR", "PWD");
        assertThat(env.get("PATH")).isEqualTo("/usr/local/bin:/usr/bin:/bin");
        assertThat(env.get("LANG")).isEqualTo("C.UTF-8");
        Path home = Path.of(env.get("HOME"));
        assertThat(home.getParent()).isEqualTo(attempts);
        assertThat(home.getFileName().toString()).startsWith("attempt-");
        assertThat(env.get("TMPDIR")).isEqualTo(home.resolve("tmp").toString());
        assertThat(env.get("SHOAL_OUTPUT_DIR")).isEqualTo(home.resolve("output").toString());
        assertThat(env.getOrDefault("PWD", home.toString())).isEqualTo(home.toString());
        assertThat(env.values()).noneMatch(v -> v.contains("must-not-leak"));
      }
    }
  }

  @Test
  void theWorkingDirectoryIsDeletedAfterwardsEvenIfTheCommandLockedItUp() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "mess=sh -c 'mkdir -p locked/in && touch locked/in/f && chmod 000 locked/in locked && pwd'")) {
      Outcome.Ok ok = ok(p.admit(task("mess", null, false)).run(new RecordingSink(), BUDGET));

      Path work = Path.of(stdout(ok).strip());
      assertThat(work.getParent()).isEqualTo(attempts);
      assertThat(work).doesNotExist();
      try (Stream<Path> left = Files.list(attempts)) {
        assertThat(left).isEmpty();
      }
    }
  }

  // ---- stopping -----------------------------------------------------------------------------

  @Test
  void anInterruptKillsTheWholeTree() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "tree=sh -c 'sleep 30 & echo $$ $!; wait'")) {
      RecordingSink sink = new RecordingSink();
      Running run = new Running(p.admit(task("tree", null, true)), sink);
      await().atMost(Duration.ofSeconds(5)).until(() -> sink.text(ChunkSink.STDOUT).endsWith("\n"));
      List<Long> pids = pids(sink.text(ChunkSink.STDOUT));
      assertThat(pids).hasSize(2).allMatch(ProcessExecutorTest::alive);

      // What the task runner does on a timeout or a cancel.
      run.thread.interrupt();

      assertThat(catchThrowableOfType(Exception.class, () -> run.outcome.get(5, TimeUnit.SECONDS)))
          .hasCauseInstanceOf(InterruptedException.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> pids.stream().noneMatch(ProcessExecutorTest::alive));
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        try (Stream<Path> left = Files.list(attempts)) {
          return left.findAny().isEmpty();
        }
      });
    }
  }

  @Test
  void childrenLeftRunningAfterTheCommandExitsAreKilledAndDoNotHoldTheResult() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "leaver=sh -c 'sleep 30 & echo $!'")) {
      long started = System.nanoTime();

      Outcome.Ok ok = ok(p.admit(task("leaver", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      long child = pids(stdout(ok)).getFirst();
      await().atMost(Duration.ofSeconds(5)).until(() -> !alive(child));
    }
  }

  @Test
  void stdinTheCommandNeverReadsDoesNotHoldItUp() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "ignore=true")) {
      String big = "x".repeat(1 << 20);

      assertThat(stdout(ok(p.admit(task("ignore", big, false)).run(new RecordingSink(), BUDGET)))).isEmpty();
    }
  }

  @Test
  void theMemoryCapStopsACommandThatAllocatesTooMuch() throws Exception {
    ProcessExecutor.Limits capped = new ProcessExecutor.Limits(64L << 20, 4 << 20, 0);
    try (ProcessExecutor p = executor(capped, "small=perl -e 'print length(\"a\" x 1_000_000)'", "big=perl -e 'print length(\"a\" x 300_000_000)'");
        ProcessExecutor uncapped = executor(LIMITS, "big=perl -e 'print length(\"a\" x 300_000_000)'")) {
      assertThat(stdout(ok(p.admit(task("small", null, false)).run(new RecordingSink(), BUDGET)))).isEqualTo("1000000");
      assertThat(stdout(ok(uncapped.admit(task("big", null, false)).run(new RecordingSink(), BUDGET)))).isEqualTo("300000000");

      Outcome.Failed f = failed(p.admit(task("big", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(f.message()).startsWith("command 'big' exited with code").contains("Out of memory");
    }
  }

  // ---- admission ----------------------------------------------------------------------------

  @Test
  void onlyAllowlistedCommandsRunAndTheirInputsAreChecked() {
    try (ProcessExecutor p = executor(LIMITS, "echo=cat")) {
      assertRejected(p, task("rm", null, false), RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "'rm' is not allowlisted");
      assertRejected(p, task("echo", null, false).toBuilder().removeAttributes("command").build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "needs the attribute command");
      assertRejected(p, task("echo", null, false).toBuilder()
              .putAttributes("command", AttributeValue.newBuilder().setIntValue(1).build()).build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "needs the attribute command");
      assertRejected(p, task("echo", null, false).toBuilder()
              .putAttributes("argv", AttributeValue.newBuilder().setStringValue("rm -rf /").build()).build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "no attribute 'argv'");
      assertRejected(p, task("echo", "a", false).toBuilder().addInputs(Value.getDefaultInstance()).build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "at most one input");
      assertRejected(p, task("echo", null, false).toBuilder().addInputs(LlmExecutorTest.task("llm.chat@1", "m", "{}", null).getInputs(0)
              .toBuilder().clearBlob().setTensor(dev.shoal.protocol.v1.Tensor.getDefaultInstance())).build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "must be a Blob");
    }
  }

  @Test
  void aProgramThatIsNotThereIsRefusedUpFront() {
    assertThatThrownBy(() -> executor(LIMITS, "ghost=no-such-program-here"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'ghost' runs 'no-such-program-here'");
  }

  private static void assertRejected(ProcessExecutor p, TaskDescriptor t, RejectReason reason, String detail) {
    Rejection r = catchThrowableOfType(Rejection.class, () -> p.admit(t));
    assertThat(r).as("rejected: %s", detail).isNotNull();
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.getMessage()).contains(detail);
  }

  // ---- artifacts ----------------------------------------------------------------------------

  @Test
  void filesInTheOutputFolderComeBackAsNamedArtifactsInNameOrder() throws Exception {
    try (ProcessExecutor p = executor(LIMITS,
        "report=sh -c 'cd \"$SHOAL_OUTPUT_DIR\" && mkdir -p b/deep/er && printf x > b/deep/er/c.txt && printf {} > a.json && printf m > \"$1/z.md\" && echo done' sh {output}")) {
      Outcome.Ok ok = ok(p.admit(task("report", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(stdout(ok)).isEqualTo("done\n");
      Map<String, Blob> artifacts = artifacts(ok);
      assertThat(artifacts.keySet()).containsExactly("a.json", "b/deep/er/c.txt", "z.md");
      assertThat(artifacts.get("a.json").getMediaType()).isEqualTo("application/json");
      assertThat(artifacts.get("a.json").getData().toStringUtf8()).isEqualTo("{}");
      assertThat(artifacts.get("b/deep/er/c.txt").getMediaType()).isEqualTo("text/plain; charset=utf-8");
      assertThat(artifacts.get("b/deep/er/c.txt").getData().toStringUtf8()).isEqualTo("x");
      assertThat(artifacts.get("z.md").getMediaType()).isEqualTo("text/markdown");
    }
  }

  @Test
  void linksAndSpecialFilesAreSkippedSoNothingOutsideTheFolderIsRead() throws Exception {
    Path secret = Files.writeString(attempts.resolveSibling(attempts.getFileName() + "-secret.txt"), "worker secret");
    try (ProcessExecutor p = executor(LIMITS,
        "sneaky=sh -c 'cd \"$SHOAL_OUTPUT_DIR\" && ln -s \"$1\" stolen.txt && ln -s / root && mkfifo pipe && echo fine > real.txt' sh "
            + secret)) {
      Outcome.Ok ok = ok(p.admit(task("sneaky", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(artifacts(ok).keySet()).containsExactly("real.txt");
      assertThat(ok.outputs()).noneMatch(v -> v.getBlob().getData().toString(StandardCharsets.UTF_8).contains("worker secret"));
    } finally {
      Files.delete(secret);
    }
  }

  @Test
  void artifactsOverTheByteCapFailTheAttempt() throws Exception {
    ProcessExecutor.Limits small = new ProcessExecutor.Limits(0, 4 << 20, 1000);
    try (ProcessExecutor p = executor(small,
        "fits=sh -c 'head -c 1000 /dev/zero > \"$SHOAL_OUTPUT_DIR/a.bin\"'",
        "big=sh -c 'head -c 600 /dev/zero > \"$SHOAL_OUTPUT_DIR/a.bin\"; head -c 600 /dev/zero > \"$SHOAL_OUTPUT_DIR/b.bin\"'")) {
      assertThat(artifacts(ok(p.admit(task("fits", null, false)).run(new RecordingSink(), BUDGET)))).containsOnlyKeys("a.bin");

      Outcome.Failed f = failed(p.admit(task("big", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(f.message()).isEqualTo("command 'big': artifacts exceed 1000 bytes (at 'b.bin')");
    }
  }

  @Test
  void theResultsBudgetCapsArtifactsTooCountingStdout() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "both=sh -c 'head -c 600 /dev/zero; head -c 600 /dev/zero > \"$SHOAL_OUTPUT_DIR/a.bin\"'")) {
      Outcome.Failed f = failed(p.admit(task("both", null, false)).run(new RecordingSink(), 1000));

      assertThat(f.message()).contains("artifacts exceed 400 bytes");
    }
  }

  @Test
  void moreFilesThanOneResultCarriesFailTheAttempt() throws Exception {
    try (ProcessExecutor p = executor(LIMITS,
        "most=sh -c 'cd \"$SHOAL_OUTPUT_DIR\" && for i in $(seq 1 63); do : > f$i; done'")) {
      assertThat(artifacts(ok(p.admit(task("most", null, false)).run(new RecordingSink(), BUDGET)))).hasSize(63);
    }
    try (ProcessExecutor p = executor(LIMITS, "many=sh -c 'cd \"$SHOAL_OUTPUT_DIR\" && for i in $(seq 1 64); do : > f$i; done'")) {
      Outcome.Failed f = failed(p.admit(task("many", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(f.message()).contains("more than 63 files");
    }
  }

  @Test
  void aNameTheProtocolForbidsFailsTheAttempt() throws Exception {
    try (ProcessExecutor p = executor(LIMITS, "colon=sh -c 'echo x > \"$SHOAL_OUTPUT_DIR/c:d.txt\"'")) {
      Outcome.Failed f = failed(p.admit(task("colon", null, false)).run(new RecordingSink(), BUDGET));

      assertThat(f.message()).contains("artifact name 'c:d.txt' has a control character, backslash or colon");
    }
  }
}
