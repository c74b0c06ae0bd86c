package dev.shoal.client;

import static org.awaitility.Awaitility.await;

import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A real orchestrator (state in memory unless configured with a data directory, free ports,
 * loopback) and, on demand, real workers, all in this JVM: what the SDK is tested against
 * wherever the orchestrator already has the route.
 */
final class LiveMesh implements AutoCloseable {

  /** As started, with the ports it got: a restart takes the same ones, so clients and workers find it again. */
  private final OrchestratorConfig config;
  private Orchestrator orchestrator;
  private boolean running = true;
  private final List<Worker> workers = new ArrayList<>();
  private final List<ShoalClient> clients = new ArrayList<>();

  private LiveMesh(OrchestratorConfig config, Orchestrator orchestrator) {
    this.config = config.toBuilder().httpPort(orchestrator.httpPort()).grpcPort(orchestrator.grpcPort()).build();
    this.orchestrator = orchestrator;
  }

  static LiveMesh start() {
    return start(UnaryOperator.identity());
  }

  static LiveMesh start(UnaryOperator<OrchestratorConfig.Builder> config) {
    OrchestratorConfig c =
        config.apply(OrchestratorConfig.builder().grpcPort(0).httpPort(0).heartbeatInterval(Duration.ofMillis(200))).build();
    return new LiveMesh(c, Orchestrator.create(c).start());
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + config.httpPort());
  }

  /** A client with no key (none exists yet on a loopback orchestrator), closed with the mesh. */
  ShoalClient client() {
    ShoalClient c = ShoalClient.create(ShoalClientOptions.builder().baseUrl(url()).noApiKey().timeout(Duration.ofSeconds(20)).build());
    clients.add(c);
    return c;
  }

  /** Starts a worker with the tensor operators and waits until the orchestrator lists it. */
  Worker addWorker(String name) {
    return addWorker(name, UnaryOperator.identity());
  }

  /** Starts a worker configured by {@code config} (models, an LLM, commands) and waits until it is listed. */
  Worker addWorker(String name, UnaryOperator<WorkerConfig.Builder> config) {
    return addWorker(name, config, client());
  }

  /** The same, waiting through {@code lister}: once a key exists, only a client with one may list. */
  Worker addWorker(String name, UnaryOperator<WorkerConfig.Builder> config, ShoalClient lister) {
    Worker w =
        Worker.create(
                config
                    .apply(
                        WorkerConfig.builder()
                            .orchestrators(List.of("127.0.0.1:" + this.config.grpcPort()))
                            .name(name)
                            .maxConcurrentTasks(2))
                    .build())
            .start();
    workers.add(w);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> lister.workers().list().stream().anyMatch(i -> i.peerId().equals(w.peerId())));
    return w;
  }

  /** Stops the orchestrator now: calls after this find nobody listening. */
  void stopOrchestrator() {
    if (running) {
      running = false;
      orchestrator.close();
    }
  }

  /**
   * Starts the stopped orchestrator again on the same ports (and data directory, if it has one):
   * its workers reconnect by themselves, as they would to a restarted process.
   */
  void startOrchestratorAgain() {
    orchestrator = Orchestrator.create(config).start();
    running = true;
  }

  /** Stops the orchestrator and starts it again on the same ports and data directory. */
  void restartOrchestrator() {
    stopOrchestrator();
    startOrchestratorAgain();
  }

  @Override
  public void close() {
    clients.forEach(ShoalClient::close);
    workers.forEach(Worker::shutdownNow);
    stopOrchestrator();
  }
}
