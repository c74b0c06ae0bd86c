package dev.shoal.examples.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.cli.Main;
import dev.shoal.client.ConflictException;
import dev.shoal.client.EventFilter;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.ServiceRegistration;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.ShoalClientOptions;
import dev.shoal.client.TaskResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example scheduler as its README runs it, every part a process of its own: an orchestrator
 * with a data directory; alice's externally scheduled service; two workers of one fleet that
 * register themselves to it and are paired with the fleet owner; and the scheduler, packaged,
 * with the key of a bot the owner granted {@code assign}. Alice's tasks all succeed, each
 * assigned by the bot's key, spread over both workers. With the scheduler gone a new task waits
 * ({@code ready}) as nobody else assigns it; restarted with {@code --after} the last seq it
 * printed, the scheduler finds it and nothing before it.
 */
class SchedulerExampleIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DECISION = Pattern.compile("^seq=(\\d+) task=(\\S+) (\\S+)", Pattern.MULTILINE);
  private static final int TASKS = 8;

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final Map<Process, Path> logs = new LinkedHashMap<>();
  private String url;
  private Path adminKey;

  @AfterEach
  void stop() throws Exception {
    processes.forEach(Process::destroyForcibly);
    for (Process p : processes) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
    // The schedulers' decisions, kept in the test's report.
    for (Path log : logs.values()) {
      if (log.getFileName().toString().startsWith("scheduler")) {
        System.out.println("---- " + log.getFileName() + "\n" + Files.readString(log));
      }
    }
  }

  @Test
  void theSchedulerAssignsEveryTaskOfTheServiceToItsFleetAndResumesAfterItsLastSeq() throws Exception {
    // The orchestrator, and who is who: alice publishes, the fleet owns the workers, its bot assigns.
    Path ready = dir.resolve("ready.json");
    Process orchestrator = shoal("orchestrator", "orchestrator", "--grpc-port", "0", "--http-port", "0",
        "--heartbeat-interval", "PT0.5S", "--data-dir", dir.resolve("data").toString(), "--ready-file", ready.toString());
    await("orchestrator ready").atMost(Duration.ofSeconds(60)).until(() -> Files.exists(ready) || !orchestrator.isAlive());
    assertThat(orchestrator.isAlive()).as(output(orchestrator)).isTrue();
    JsonNode ports = JSON.readTree(ready.toFile());
    url = "http://127.0.0.1:" + ports.get("http_port").asInt();
    key("admin", "--scopes", "admin");
    String alice = principal("client", "alice");
    String fleet = principal("fleet-owner", "fleet");
    String bot = principal("client", "scheduler-bot");
    Path aliceKey = key("alice", "--scopes", "submit,read", "--principal", alice);
    Path fleetKey = key("fleet", "--scopes", "submit,read", "--principal", fleet);
    Path botKey = key("scheduler-bot", "--scopes", "submit,read", "--principal", bot);
    cli("delegates", "grant", fleet, bot, "--scope", "assign,register", "--api-key-file", fleetKey.toString());
    String service = cli("services", "create", "upper", "--command", "upper", "--external", "--api-key-file", aliceKey.toString());

    try (ShoalClient admin = client(adminKey);
        ShoalClient asAlice = client(aliceKey)) {
      // Two workers register themselves by listing the service; the owner signs its half of each pairing.
      for (String name : List.of("w1", "w2")) {
        shoal("worker-" + name, "worker", "--orchestrator", "127.0.0.1:" + ports.get("grpc_port").asInt(), "--name", name,
            "--max-tasks", "2", "--data-dir", dir.resolve(name).toString(), "--owner", fleet, "--service", service,
            "--command", "upper=tr a-z A-Z");
      }
      await("both workers registered").atMost(Duration.ofSeconds(60)).until(() -> admin.services().workers(service).size() == 2);
      Set<String> workers =
          admin.services().workers(service).stream().map(ServiceRegistration::worker).collect(Collectors.toCollection(TreeSet::new));
      for (String name : List.of("w1", "w2")) {
        cli("fleet", "pair", name, "--key", dir.resolve("fleet.pem").toString(), "--api-key-file", fleetKey.toString());
      }

      long started = System.nanoTime();
      Process scheduler = scheduler("--api-key-file", botKey.toString(), "--fleet", fleet, "--service", service);
      await("the scheduler follows").atMost(Duration.ofSeconds(60)).until(() -> output(scheduler).contains("following " + service));
      List<String> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        tasks.add(cli("tasks", "submit", "--service", "upper", "task " + i, "--api-key-file", aliceKey.toString()));
      }
      for (int i = 0; i < TASKS; i++) {
        assertThat(awaitResult(asAlice, tasks.get(i)).text()).isEqualTo("TASK " + i);
      }
      List<MeshEvent> assigned = admin.events().page(0, EventFilter.types("task.assigned").withService(service), 1000).events();
      assertThat(assigned).extracting(MeshEvent::taskId).containsExactlyInAnyOrderElementsOf(tasks);
      assertThat(assigned).extracting(MeshEvent::actor).as("assigned with the bot's key").containsOnly(keyId(botKey));
      assertThat(assigned).extracting(MeshEvent::worker).as("both workers got work").containsOnlyElementsOf(workers)
          .containsAll(workers);
      assertThat(decisions(scheduler)).filteredOn(d -> d[2].equals("assigned")).extracting(d -> d[1])
          .containsExactlyInAnyOrderElementsOf(tasks);
      System.out.printf("%d tasks scheduled and run in %d ms%n", TASKS, (System.nanoTime() - started) / 1_000_000);

      // Nobody else assigns: without the scheduler a new task waits.
      scheduler.destroy();
      assertThat(scheduler.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long lastSeq = decisions(scheduler).stream().mapToLong(d -> Long.parseLong(d[0])).max().orElseThrow();
      String late = cli("tasks", "submit", "--service", "upper", "late", "--api-key-file", aliceKey.toString());
      await("the task stays ready").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
          .until(() -> asAlice.tasks().status(late).state().equals("ready"));

      Process again = scheduler("--api-key-file", botKey.toString(), "--fleet", fleet, "--service", service,
          "--after", String.valueOf(lastSeq));
      assertThat(awaitResult(asAlice, late).text()).isEqualTo("LATE");
      await("its decision printed").atMost(Duration.ofSeconds(10)).until(() -> !decisions(again).isEmpty());
      assertThat(decisions(again)).as("only what came after its last seq")
          .singleElement().satisfies(d -> assertThat(d[1] + " " + d[2]).isEqualTo(late + " assigned"));
      assertThat(admin.events().page(0, EventFilter.types("task.assigned").withTask(late), 10).events())
          .singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo(keyId(botKey)));
    }
  }

  // ---------------------------------------------------------------- the mesh's parts

  /** Runs {@code shoal ARGS} as a process, from this test's classpath (shoal-cli is a test dependency). */
  private Process shoal(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(java());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return start(name, cmd);
  }

  /** Runs the packaged example, as its README does. */
  private Process scheduler(String... args) throws IOException {
    Path jar = Path.of(System.getProperty("scheduler.jar", "target/scheduler.jar"));
    assertThat(jar).as("the packaged example (run through failsafe after package)").exists();
    List<String> cmd = new ArrayList<>(java());
    cmd.addAll(List.of("-jar", jar.toString(), "--url", url));
    cmd.addAll(List.of(args));
    return start("scheduler", cmd);
  }

  private static List<String> java() {
    return List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-Xmx256m", "-XX:TieredStopAtLevel=1");
  }

  private Process start(String name, List<String> cmd) throws IOException {
    Path log = dir.resolve(name + "-" + processes.size() + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    logs.put(p, log);
    return p;
  }

  private String output(Process p) throws IOException {
    return Files.readString(logs.get(p));
  }

  /** The scheduler's decision lines, each as {seq, task, what}. */
  private List<String[]> decisions(Process scheduler) throws IOException {
    List<String[]> out = new ArrayList<>();
    Matcher m = DECISION.matcher(output(scheduler));
    while (m.find()) {
      out.add(new String[] {m.group(1), m.group(2), m.group(3)});
    }
    return out;
  }

  // ---------------------------------------------------------------- the CLI and the SDK

  /** Runs {@code shoal ARGS --url URL} in this JVM; its standard output, once it succeeded. */
  private String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] withUrl = Stream.concat(Stream.of(args), Stream.of("--url", url)).toArray(String[]::new);
    int exit = Main.run(new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), withUrl);
    assertThat(exit).as("shoal %s; stderr:%n%s", String.join(" ", args), err).isZero();
    return out.toString().strip();
  }

  /** A new API key in DIR/NAME.key, made with the admin's key (the first one made is the admin's). */
  private Path key(String name, String... options) {
    Path file = dir.resolve(name + ".key");
    List<String> args = new ArrayList<>(List.of("keys", "create", "--name", name, "--out", file.toString()));
    args.addAll(List.of(options));
    if (adminKey != null) {
      args.addAll(List.of("--api-key-file", adminKey.toString()));
    }
    cli(args.toArray(String[]::new));
    if (adminKey == null) {
      adminKey = file;
    }
    return file;
  }

  /** Registers a principal whose key file is DIR/NAME.pem; its id. */
  private String principal(String kind, String name) {
    return cli("principals", "create", "--kind", kind, "--name", name, "--key", dir.resolve(name + ".pem").toString(),
        "--api-key-file", adminKey.toString());
  }

  /** The id of the API key in {@code file} ({@code shk_<id>_<secret>}), as events name their actor. */
  private static String keyId(Path file) throws IOException {
    return Files.readString(file).strip().split("_")[1];
  }

  private ShoalClient client(Path keyFile) throws IOException {
    return ShoalClient.create(ShoalClientOptions.builder().baseUrl(url).apiKey(Files.readString(keyFile).strip()).build());
  }

  private static TaskResult awaitResult(ShoalClient client, String task) {
    return await("task " + task + " succeeded").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .ignoreException(ConflictException.class)
        .until(() -> client.tasks().result(task), TaskResult::succeeded);
  }
}
