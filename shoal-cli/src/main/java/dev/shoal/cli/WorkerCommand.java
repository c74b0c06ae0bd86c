package dev.shoal.cli;

import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a worker until SIGTERM (then drains) or until the orchestrator refuses it. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a worker: dials the orchestrator, advertises this machine, runs the tasks it is sent.",
      "On SIGTERM or Ctrl-C it drains: running tasks finish (or are handed back), then it leaves."
    })
final class WorkerCommand implements Callable<Integer> {

  @Option(names = "--orchestrator", split = ",", defaultValue = "127.0.0.1:7070",
      description = "HOST:PORT of the orchestrator; a comma-separated list is tried in turn (default: ${DEFAULT-VALUE}).")
  List<String> orchestrators;

  @Option(names = "--name", description = "A label for this worker (default: the host name).")
  String name;

  @Option(names = "--max-tasks", description = "Tasks run at once (default: one per core).")
  Integer maxTasks;

  @Option(names = "--max-task-bytes", description = "Largest task (inputs + outputs) accepted (default: a quarter of the heap).")
  Long maxTaskBytes;

  @Option(names = "--data-dir",
      description = "Where the worker keeps its Ed25519 identity (DIR/worker.key, created owner-only on first start),"
          + " so its peer id and reputation survive restarts (default: ~/.shoal/worker/NAME).")
  Path dataDir;

  @Option(names = "--key-file", description = "Use this Ed25519 key file instead of DATA-DIR/worker.key; created if missing.")
  Path keyFile;

  @Option(names = "--ephemeral", description = "A new identity every run: nothing is written to disk.")
  boolean ephemeral;

  @Option(names = "--drain-timeout", defaultValue = "PT30S", description = "How long a drain waits for running tasks (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  @Option(names = "--reconnect-max", defaultValue = "PT10S", description = "Longest wait between reconnects (default: ${DEFAULT-VALUE}).")
  Duration reconnectMax;

  @Option(
      names = "--owner",
      description = {
        "Who runs this machine, as you state it; shown to clients.",
        "A fleet owner's principal id (p…) is this worker's signed half of a pairing with it (shoal fleet pair)."
      })
  String owner;

  @Option(
      names = "--service",
      paramLabel = "ID",
      description = "Registers this worker itself to a service (svc_…); repeat for more.")
  List<String> services = new ArrayList<>();

  @Option(names = "--llm-url",
      description = "OpenAI-compatible server (Ollama, vLLM, llama.cpp) that serves the --llm-model models for"
          + " llm.chat@1 and llm.complete@1: its base URL, e.g. http://127.0.0.1:11434/v1.")
  URI llmUrl;

  @Option(names = "--llm-model", split = ",", paramLabel = "MODEL",
      description = "A model the --llm-url server serves; repeat (or separate with commas) for more. Advertised to the mesh.")
  List<String> llmModels;

  @Option(names = "--llm-api-key-file",
      description = "File holding the --llm-url server's API key (sent as a bearer token). Or set SHOAL_LLM_API_KEY.")
  Path llmApiKeyFile;

  @Option(names = "--command", paramLabel = "NAME=ARGV",
      description = "Allowlists a command for process.run@1; repeat for more. ARGV is split like a shell word list,"
          + " but no shell runs and nothing is expanded; {output} becomes the task's output folder."
          + " E.g. --command 'upper=tr a-z A-Z'.")
  List<String> commands;

  @Option(names = "--process-memory", converter = ByteSize.class, defaultValue = "4g",
      description = "Address-space cap per command process, e.g. 512m; 0 for none (default: ${DEFAULT-VALUE}).")
  long processMemory;

  @Option(names = "--process-output-cap", converter = ByteSize.class, defaultValue = "4m",
      description = "Most stdout bytes a command's result keeps (default: ${DEFAULT-VALUE}).")
  long processOutputCap;

  @Option(names = "--artifact-cap", converter = ByteSize.class, defaultValue = "16m",
      description = "Most bytes of files a command may leave in its output folder (default: ${DEFAULT-VALUE}; at most 63 files).")
  long artifactCap;

  @Option(names = "--data-cache", converter = ByteSize.class, defaultValue = "256m",
      description = "Memory for task inputs fetched by reference, kept for the next task that reads them; 0 keeps none (default: ${DEFAULT-VALUE}).")
  long dataCache;

  @Option(names = "--data-cache-age", defaultValue = "PT10M",
      description = "How long a fetched input stays in that cache unused (default: ${DEFAULT-VALUE}).")
  Duration dataCacheAge;

  @Option(names = "--protocol-versions", split = ",", hidden = true, description = "Claim these protocol versions (for testing refusal).")
  List<String> protocolVersions;

  @Option(names = "--byzantine", hidden = true,
      description = "Tests only: return wrong results, forge signatures and replay, to exercise the orchestrator's defences.")
  boolean byzantine;

  /** The data directory: given, or one per worker name under the user's home. */
  private Path identityDir() {
    if (dataDir != null) {
      return dataDir;
    }
    String label = name != null ? name : WorkerConfig.builder().build().name();
    String safe = label.replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("user.home"), ".shoal", "worker", safe.isEmpty() ? "worker" : safe);
  }

  /** The key from --llm-api-key-file, else SHOAL_LLM_API_KEY, else none. Never a flag: flags show in ps. */
  private String llmApiKey() throws IOException {
    if (llmApiKeyFile != null) {
      String key;
      try {
        key = Files.readString(llmApiKeyFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("llm-api-key-file: cannot read " + llmApiKeyFile + ": " + e.getMessage(), e);
      }
      if (key.isEmpty()) {
        throw new IllegalArgumentException("llm-api-key-file: " + llmApiKeyFile + " is empty");
      }
      return key;
    }
    String env = System.getenv("SHOAL_LLM_API_KEY");
    return env == null || env.isBlank() ? null : env.strip();
  }

  @Override
  public Integer call() throws Exception {
    WorkerConfig.Builder b =
        WorkerConfig.builder().orchestrators(orchestrators).drainTimeout(drainTimeout).reconnectMax(reconnectMax);
    if (name != null) {
      b.name(name);
    }
    if (maxTasks != null) {
      b.maxConcurrentTasks(maxTasks);
    }
    if (maxTaskBytes != null) {
      b.maxTaskBytes(maxTaskBytes);
    }
    if (!ephemeral) {
      b.keyFile(keyFile != null ? keyFile : identityDir().resolve("worker.key"));
      // Commands' working directories live next to the identity; an ephemeral worker uses a temp folder.
      b.dataDir(identityDir());
    }
    services.forEach(b::service);
    if (owner != null) {
      b.owner(owner);
    }
    if (llmModels != null) {
      b.models(llmModels);
    }
    if (llmUrl != null) {
      b.llm(llmUrl, llmApiKey());
    }
    if (commands != null) {
      commands.forEach(b::command);
    }
    b.processMemoryBytes(processMemory).processOutputCap(processOutputCap).artifactCap(artifactCap);
    b.dataCacheBytes(dataCache).dataCacheAge(dataCacheAge);
    if (byzantine) {
      System.err.println("shoal worker: BYZANTINE MODE: every result this worker returns is a lie (tests only)");
      b.byzantine(true);
    }
    if (protocolVersions != null) {
      List<ProtocolVersion> versions = new ArrayList<>();
      for (String v : protocolVersions) {
        String[] p = v.split("\\.");
        if (p.length != 3) {
          throw new IllegalArgumentException("protocol-versions: '" + v + "' is not MAJOR.MINOR.PATCH");
        }
        versions.add(ProtocolVersions.of(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])));
      }
      b.protocolVersions(versions);
    }
    Worker worker = Worker.create(b.build());
    Thread hook =
        new Thread(
            () -> {
              try {
                worker.drain();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "shoal-drain");
    Runtime.getRuntime().addShutdownHook(hook);
    worker.start();
    System.err.printf("shoal worker %s: dialing %s (SIGTERM drains)%n", worker.peerId(), String.join(", ", orchestrators));
    while (!worker.awaitTermination(Duration.ofDays(1))) {
      // Runs until drained, crashed or refused.
    }
    if (worker.failure().isPresent()) {
      System.err.println("shoal worker: refused by the orchestrator: " + worker.failure().get());
      return 3;
    }
    return 0;
  }
}
