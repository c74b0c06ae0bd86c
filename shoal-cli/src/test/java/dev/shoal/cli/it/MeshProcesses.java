package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Starts real orchestrator and worker processes from the packaged distribution
 * ({@code target/shoal.jar} + {@code target/lib}) and kills them, gently or with SIGKILL.
 * Each process logs to its own file under the test's directory. Not thread-safe.
 */
final class MeshProcesses implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path jar;
  private final List<Process> processes = new ArrayList<>();
  private final java.util.Map<Process, Path> logs = new java.util.HashMap<>();
  private int counter;

  MeshProcesses(Path dir) {
    this.dir = dir;
    String dist = System.getProperty("shoal.distribution", "target");
    this.jar = Path.of(dist, "shoal.jar").toAbsolutePath();
    assertThat(jar).as("the packaged distribution (run through failsafe after package)").exists();
  }

  /** A running orchestrator process with its ports. */
  record Node(Process process, int grpcPort, int httpPort, Path log) {
    String grpcAddress() {
      return "127.0.0.1:" + grpcPort;
    }

    String url() {
      return "http://127.0.0.1:" + httpPort;
    }
  }

  Process start(String name, String... args) throws IOException {
    return start(name, java.util.Map.of(), args);
  }

  /** Starts a process with these variables added to its environment. */
  Process start(String name, java.util.Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 23) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.add("-Xmx512m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    Path log = dir.resolve(name + "-" + (counter++) + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    logs.put(p, log);
    return p;
  }

  /** Starts an orchestrator and waits until it has written its ports. */
  Node orchestrator(Path dataDir, int grpcPort, int httpPort, String... extra) throws Exception {
    Path ready = dir.resolve("ready-" + counter + ".json");
    List<String> args = new ArrayList<>(List.of(
        "orchestrator",
        "--grpc-port", String.valueOf(grpcPort),
        "--http-port", String.valueOf(httpPort),
        "--heartbeat-interval", "PT0.5S",
        "--ready-file", ready.toString()));
    if (dataDir != null) {
      args.add("--data-dir");
      args.add(dataDir.toString());
    }
    args.addAll(List.of(extra));
    Process p = start("orchestrator", args.toArray(String[]::new));
    Path log = log(p);
    Awaitility.await("orchestrator ready")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Files.exists(ready) || !p.isAlive());
    assertThat(p.isAlive()).as("orchestrator is up; log:%n%s", tail(log)).isTrue();
    JsonNode ports = JSON.readTree(ready.toFile());
    return new Node(p, ports.get("grpc_port").asInt(), ports.get("http_port").asInt(), log);
  }

  Process worker(Node orchestrator, String name, int slots, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of(
        "worker",
        "--orchestrator", orchestrator.grpcAddress(),
        "--name", name,
        "--max-tasks", String.valueOf(slots),
        // Each worker keeps its identity under the test's directory, never the user's home.
        "--data-dir", dir.resolve("worker-" + name).toString()));
    args.addAll(List.of(extra));
    return start("worker-" + name, args.toArray(String[]::new));
  }

  /** Where a process started here writes its output. */
  Path log(Process p) {
    return logs.get(p);
  }

  /** Everything a process printed. */
  String output(Process p) throws IOException {
    return Files.readString(log(p));
  }

  /** SIGKILL: no shutdown hook, no goodbye. */
  static void kill9(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
