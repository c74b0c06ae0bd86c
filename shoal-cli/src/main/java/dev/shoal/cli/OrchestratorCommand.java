package dev.shoal.cli;

import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs an orchestrator until interrupted. */
@Command(
    name = "orchestrator",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an orchestrator: the worker protocol (gRPC) and the client API (HTTP).",
      "State is in memory unless --data-dir is given. Loopback only by default: the HTTP API binds"
          + " elsewhere once an API key exists (shoal keys create), the worker port with --allow-public-bind."
    })
final class OrchestratorCommand implements Callable<Integer> {

  @Option(names = "--grpc-host", defaultValue = "127.0.0.1", description = "Address workers dial (default: ${DEFAULT-VALUE}).")
  String grpcHost;

  @Option(names = "--grpc-port", defaultValue = "7070", description = "Port workers dial; 0 = any (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "Address of the client API (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--http-port", defaultValue = "8080", description = "Port of the client API; 0 = any (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--data-dir", description = "Keep state durable in DIR/shoal.db (default: in memory).")
  Path dataDir;

  @Option(names = "--fsync", description = "Fsync every group commit, so state survives power loss (needs --data-dir).")
  boolean fsync;

  @Option(names = "--heartbeat-interval", defaultValue = "PT2S", description = "Heartbeat interval, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(names = "--missed-heartbeats", defaultValue = "3", description = "Silent intervals before a worker is gone (default: ${DEFAULT-VALUE}).")
  int missedHeartbeats;

  @Option(names = "--allow-public-bind", description = "Let workers on other machines connect: bind the worker port to a non-loopback address.")
  boolean allowPublicBind;

  @Option(names = "--spot-checks", defaultValue = "0.05",
      description = "Share of first_valid tasks re-executed on a second worker, 0..1 (default: ${DEFAULT-VALUE}).")
  double spotChecks;

  @Option(names = "--trusted-peer", split = ",",
      description = "Peer ids to trust for this run (lighter validation; spot checks stay). 'shoal peers trust' stores trust.")
  List<String> trustedPeers;

  @Option(names = "--quarantine-cool-off", defaultValue = "PT10M",
      description = "How long a quarantined worker is left out, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration quarantineCoolOff;

  @Option(names = "--quarantine-threshold", defaultValue = "-6",
      description = "Reputation score at which a worker is quarantined; a wrong result costs 3.5 (default: ${DEFAULT-VALUE}).")
  double quarantineThreshold;

  @Option(names = "--freivalds-rounds", defaultValue = "8",
      description = "Rounds of Freivalds' check on each matmul result; each halves a lie's chance (default: ${DEFAULT-VALUE}).")
  int freivaldsRounds;

  @Option(names = "--validation-samples", defaultValue = "32",
      description = "Output elements recomputed per result, every operator (default: ${DEFAULT-VALUE}).")
  int validationSamples;

  @Option(names = "--allow-unauthenticated-public",
      description = "Serve the HTTP API on a non-loopback address although no API key exists (anyone who can reach it may use it).")
  boolean allowUnauthenticatedPublic;

  @Option(names = "--webhook-allow-private",
      description = "Let webhooks target loopback, private and link-local addresses (a trusted private network, tests).")
  boolean webhookAllowPrivate;

  @Option(names = "--webhook-secret-file",
      description = "File with the secret (16..256 characters) that signs webhooks of requests that bring none.")
  Path webhookSecretFile;

  @Option(names = "--result-retention", defaultValue = "PT24H",
      description = "How long a finished task's result and artifacts are kept, ISO-8601; PT0S keeps them forever (default: ${DEFAULT-VALUE}).")
  Duration resultRetention;

  @Option(
      names = "--ready-file",
      description = "Once listening, write {\"grpc_port\":..,\"http_port\":..} to FILE (for scripts and tests).")
  Path readyFile;

  @Override
  public Integer call() throws Exception {
    OrchestratorConfig config =
        OrchestratorConfig.builder()
            .grpcHost(grpcHost)
            .grpcPort(grpcPort)
            .httpHost(httpHost)
            .httpPort(httpPort)
            .dataDir(dataDir)
            .fsync(fsync)
            .heartbeatInterval(heartbeatInterval)
            .missedHeartbeats(missedHeartbeats)
            .allowPublicBind(allowPublicBind)
            .spotCheckFraction(spotChecks)
            .trustedPeers(trustedPeers)
            .quarantineCoolOff(quarantineCoolOff)
            .quarantineThreshold(quarantineThreshold)
            .freivaldsRounds(freivaldsRounds)
            .validationSamples(validationSamples)
            .resultRetention(resultRetention)
            .allowUnauthenticatedPublic(allowUnauthenticatedPublic)
            .webhookAllowPrivate(webhookAllowPrivate)
            .webhookSecretFile(webhookSecretFile)
            .build();
    Orchestrator orchestrator = Orchestrator.create(config).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  orchestrator.close();
                  stopped.countDown();
                },
                "shoal-shutdown"));
    if (readyFile != null) {
      Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
      java.nio.file.Files.writeString(
          tmp,
          "{\"grpc_port\":" + orchestrator.grpcPort() + ",\"http_port\":" + orchestrator.httpPort()
              + ",\"pid\":" + ProcessHandle.current().pid() + "}\n");
      // Readers never see a half-written file.
      java.nio.file.Files.move(tmp, readyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    System.err.printf(
        "shoal orchestrator %s: workers dial %s:%d, clients use http://%s:%d/v1 (Ctrl-C stops)%n",
        orchestrator.id(), grpcHost, orchestrator.grpcPort(), httpHost, orchestrator.httpPort());
    stopped.await();
    return 0;
  }
}
