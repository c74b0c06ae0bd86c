package dev.shoal.local;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.ShoalClientOptions;
import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real mesh in this JVM: an orchestrator on free loopback ports and workers that dial it over
 * real gRPC, for tests and notebooks. Nothing is mocked: the HTTP API, the worker protocol,
 * signatures and validation are the ones a deployed mesh runs. State is in memory unless
 * {@link Builder#dataDir} is given. Not thread-safe; close it to stop everything.
 *
 * <pre>{@code
 * try (LocalMesh mesh = LocalMesh.builder()
 *         .llmWorker("gpu-1", URI.create("http://127.0.0.1:11434/v1"), "llama3.2")
 *         .tensorWorkers(2)
 *         .start()) {
 *   ShoalClient client = mesh.client();
 *   ...
 * }
 * }</pre>
 */
public final class LocalMesh implements AutoCloseable {

  private final Orchestrator orchestrator;
  private final List<Worker> workers = new ArrayList<>();
  private final Path scratch;

  private LocalMesh(Orchestrator orchestrator, Path scratch) {
    this.orchestrator = orchestrator;
    this.scratch = scratch;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The HTTP API's root, {@code http://127.0.0.1:PORT}: what the SDK is given. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + orchestrator.httpPort());
  }

  /** A client of this mesh, without an API key; close it when done. */
  public ShoalClient client() {
    return ShoalClient.create(ShoalClientOptions.builder().baseUrl(url()).noApiKey().build());
  }

  /** The base URL for an OpenAI client: {@code http://127.0.0.1:PORT/v1}. */
  public URI openAiBaseUrl() {
    return URI.create(url() + "/v1");
  }

  /** The worker port, for workers started elsewhere (another process, {@code shoal worker}). */
  public String workerAddress() {
    return "127.0.0.1:" + orchestrator.grpcPort();
  }

  public Orchestrator orchestrator() {
    return orchestrator;
  }

  /** The workers started so far, in order. */
  public List<Worker> workers() {
    return List.copyOf(workers);
  }

  /**
   * Starts one more worker, configured by {@code spec} (name, slots, operators, models, llm
   * upstream, commands); it is pointed at this mesh and given a scratch directory here.
   */
  public Worker addWorker(Consumer<WorkerConfig.Builder> spec) {
    WorkerConfig.Builder b =
        WorkerConfig.builder()
            .orchestrators(List.of(workerAddress()))
            .name("local-" + (workers.size() + 1))
            .reconnectInitial(Duration.ofMillis(50))
            .dataDir(scratch.resolve("worker-" + (workers.size() + 1)));
    spec.accept(b);
    Worker w = Worker.create(b.build()).start();
    workers.add(w);
    return w;
  }

  /** Waits until every worker started so far is connected and welcomed. */
  public LocalMesh awaitWorkers(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      CompletableFuture.allOf(workers.stream().map(Worker::connected).toArray(CompletableFuture[]::new))
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      long connected = workers.stream().filter(Worker::isConnected).count();
      throw new TimeoutException(connected + " of " + workers.size() + " workers connected within " + timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a worker stopped before it connected: " + e.getCause().getMessage(), e.getCause());
    }
    return this;
  }

  /** Stops the workers (at once), then the orchestrator, and removes the scratch directory. */
  @Override
  public void close() {
    for (Worker w : workers) {
      w.shutdownNow();
    }
    for (Worker w : workers) {
      try {
        w.awaitTermination(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    orchestrator.close();
    try (Stream<Path> files = Files.walk(scratch)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A scratch directory left in the temp folder is harmless.
    }
  }

  /** What to start. */
  public static final class Builder {
    private final List<Consumer<WorkerConfig.Builder>> workers = new ArrayList<>();
    private Consumer<OrchestratorConfig.Builder> orchestrator = b -> {};
    private Path dataDir;
    private Duration connectTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /** Keep the orchestrator's state (jobs, ledger, keys) in this directory instead of memory. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Adjusts the orchestrator's settings (spot checks, retention, ...); ports are always free ones. */
    public Builder orchestrator(Consumer<OrchestratorConfig.Builder> settings) {
      this.orchestrator = settings;
      return this;
    }

    /** {@code n} workers running the tensor operators, two slots each. */
    public Builder tensorWorkers(int n) {
      for (int i = 0; i < n; i++) {
        int k = i + 1;
        workers.add(b -> b.name("tensor-" + k).maxConcurrentTasks(2));
      }
      return this;
    }

    /** A worker serving {@code models} from the OpenAI-compatible server at {@code baseUrl}. */
    public Builder llmWorker(String name, URI baseUrl, String... models) {
      workers.add(b -> b.name(name).maxConcurrentTasks(4).llm(baseUrl, null).models(List.of(models)));
      return this;
    }

    /** A worker allowlisting commands for {@code process.run@1}, each {@code NAME=ARGV}. */
    public Builder processWorker(String name, String... commands) {
      workers.add(
          b -> {
            b.name(name).maxConcurrentTasks(2);
            for (String c : commands) {
              b.command(c);
            }
          });
      return this;
    }

    /** Any other worker. */
    public Builder worker(Consumer<WorkerConfig.Builder> spec) {
      workers.add(spec);
      return this;
    }

    /** How long {@link #start()} waits for every worker to connect (default 30 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Starts the orchestrator, then the workers, and returns once every worker is connected. */
    public LocalMesh start() {
      Path scratch;
      try {
        scratch = Files.createTempDirectory("shoal-local-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a scratch directory", e);
      }
      OrchestratorConfig.Builder config =
          OrchestratorConfig.builder().grpcPort(0).httpPort(0).heartbeatInterval(Duration.ofMillis(500));
      if (dataDir != null) {
        config.dataDir(dataDir);
      }
      orchestrator.accept(config);
      LocalMesh mesh = new LocalMesh(Orchestrator.create(config.grpcPort(0).httpPort(0).build()).start(), scratch);
      try {
        workers.forEach(mesh::addWorker);
        mesh.awaitWorkers(connectTimeout);
        return mesh;
      } catch (TimeoutException | RuntimeException e) {
        mesh.close();
        throw new IllegalStateException("the local mesh did not come up: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        mesh.close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the local mesh came up", e);
      }
    }
  }
}
