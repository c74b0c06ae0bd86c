package dev.shoal.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link StandInLlmServer} in a JVM of its own, as a real LLM server would be: a test talks to
 * it over TCP only, and its threads and heap are not the test's. Started with the current JVM's
 * {@code java} and class path; {@link #close()} kills it. Not thread-safe.
 */
public final class StandInProcess implements AutoCloseable {

  private static final String READY = "listening ";

  private final Process process;
  private final Path log;
  private final String rootUrl;

  private StandInProcess(Process process, Path log, String rootUrl) {
    this.process = process;
    this.log = log;
    this.rootUrl = rootUrl;
  }

  /** Starts a server with {@link StandInLlmServer#main}'s options, waiting up to 30 s for it. */
  public static StandInProcess start(String... args) {
    return start(Duration.ofSeconds(30), args);
  }

  /**
   * Starts a server with {@link StandInLlmServer#main}'s options and waits until it prints its
   * listening line.
   *
   * @throws IllegalStateException if it exits or stays silent past {@code deadline}; the message
   *     carries what it wrote to stderr
   */
  public static StandInProcess start(Duration deadline, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(StandInLlmServer.class.getName());
    cmd.addAll(List.of(args));
    Path log;
    Process p;
    try {
      log = Files.createTempFile("stand-in-llm", ".log");
      p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the stand-in LLM server: " + e.getMessage(), e);
    }
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread.ofVirtual().name("stand-in-stdout").start(() -> readStdout(p, ready));
    try {
      String line = ready.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null || !line.startsWith(READY)) {
        throw failed(p, log, "printed '" + line + "' instead of its listening line");
      }
      return new StandInProcess(p, log, line.substring(READY.length()).strip());
    } catch (TimeoutException e) {
      throw failed(p, log, "did not start within " + deadline.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(p, log, "start was interrupted");
    } catch (ExecutionException e) {
      throw failed(p, log, "could not be read: " + e.getCause());
    }
  }

  /** Completes {@code ready} with the first line, then keeps the pipe empty until the process ends. */
  private static void readStdout(Process p, CompletableFuture<String> ready) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      ready.complete(r.readLine());
      while (r.readLine() != null) {
        // Nothing else is expected; reading just keeps a chatty server from blocking.
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
  }

  private static IllegalStateException failed(Process p, Path log, String what) {
    p.destroyForcibly();
    String stderr;
    try {
      p.waitFor(10, TimeUnit.SECONDS);
      stderr = Files.readString(log);
      Files.deleteIfExists(log);
    } catch (IOException e) {
      stderr = "(stderr unreadable: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stderr = "(interrupted)";
    }
    return new IllegalStateException("the stand-in LLM server " + what + "; stderr:\n" + stderr);
  }

  /** The base URL an OpenAI client is given: {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    return rootUrl + "/v1";
  }

  /** {@code http://127.0.0.1:PORT}, as the listening line says. */
  public String rootUrl() {
    return rootUrl;
  }

  public long pid() {
    return process.pid();
  }

  /** Kills the server and waits for it to be gone. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + log, e);
    }
  }
}
