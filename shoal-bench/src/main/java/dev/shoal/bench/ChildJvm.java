package dev.shoal.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A main class of this module run in a JVM of its own, with this JVM's {@code java}, class path
 * and native-access switches. The child says it is ready by printing one line; its stdin stays a
 * pipe, so it exits when this JVM closes it or dies. Not thread-safe.
 */
final class ChildJvm implements AutoCloseable {

  /** What bin/shoal adds for every role. */
  private static final String DEFAULT_OPTIONS = "-XX:+UseParallelGC";

  private final Process process;
  private final String readyLine;

  private ChildJvm(Process process, String readyLine) {
    this.process = process;
    this.readyLine = readyLine;
  }

  /**
   * Starts {@code main} with {@code args} and waits for its first line on stdout.
   *
   * @throws IllegalStateException if it exits or stays silent for {@code deadline}
   */
  static ChildJvm start(String maxHeap, Class<?> main, Duration deadline, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Benchmarks.javaBinary()));
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access"))
        .forEach(command::add);
    if (Runtime.version().feature() >= 23 && command.stream().noneMatch(a -> a.startsWith("--sun-misc-unsafe-memory-access"))) {
      // Protobuf still uses sun.misc.Unsafe; without this every child warns on stderr.
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    // The collector bin/shoal starts nodes with, unless -Dbench.childJvmOpts names other options.
    String extra = System.getProperty("bench.childJvmOpts", "").strip();
    command.addAll(List.of((extra.isEmpty() ? DEFAULT_OPTIONS : extra).split("\\s+")));
    command.addAll(List.of("-Xmx" + maxHeap, "-cp", Benchmarks.classpath(), main.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<String> first = new CompletableFuture<>();
    Thread.ofVirtual().name(main.getSimpleName() + "-stdout").start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line = r.readLine();
        // The JVM's own log lines (JFR says it started, when asked to record) come before the child's.
        while (line != null && line.matches("\\[[0-9.]+s\\]\\[\\w+\\].*")) {
          line = r.readLine();
        }
        first.complete(line);
        while (r.readLine() != null) {
          // Keeps the pipe empty for anything the child prints later.
        }
      } catch (IOException e) {
        first.completeExceptionally(e);
      }
    });
    try {
      String line = first.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null) {
        throw new IllegalStateException(main.getSimpleName() + " exited before it was ready: " + p.waitFor());
      }
      return new ChildJvm(p, line);
    } catch (TimeoutException | ExecutionException | InterruptedException e) {
      p.destroyForcibly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(main.getSimpleName() + " did not become ready: " + e, e);
    }
  }

  /** The line the child printed when it was ready. */
  String readyLine() {
    return readyLine;
  }

  long pid() {
    return process.pid();
  }

  /** Closes its stdin, so it exits; kills it if it has not within 30 s. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
