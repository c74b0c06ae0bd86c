package dev.shoal.bench;

import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Shoal node of the gateway benchmark in a JVM of its own, as it runs when deployed: an
 * orchestrator with its defaults (state in memory, 5 % spot checks, no keys on loopback), or one
 * worker serving {@code llm.*} from an OpenAI-compatible upstream. Prints one line once it
 * serves ({@code ready http=PORT grpc=PORT}, or {@code ready PEER_ID} once the worker is
 * welcomed) and lives until its stdin closes, so it dies with the benchmark.
 *
 * <p>Usage: {@code GatewayNode orchestrator} or {@code GatewayNode worker <orchestrator
 * host:port> <slots> <llm base url> <model>}
 */
public final class GatewayNode {

  private GatewayNode() {}

  public static void main(String[] args) throws Exception {
    // As in the other benchmarks: the CLI's INFO lines (two per task) would go to a pipe here.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    if (args.length == 1 && args[0].equals("orchestrator")) {
      Orchestrator o = Orchestrator.create(OrchestratorConfig.builder().grpcPort(0).httpPort(0).build()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(o::close, "orchestrator-shutdown"));
      ready("ready http=" + o.httpPort() + " grpc=" + o.grpcPort());
    } else if (args.length == 5 && args[0].equals("worker")) {
      Worker w =
          Worker.create(
                  WorkerConfig.builder()
                      .orchestrators(List.of(args[1]))
                      .name("gateway-bench")
                      .maxConcurrentTasks(Integer.parseInt(args[2]))
                      .llm(URI.create(args[3]), null)
                      .models(List.of(args[4]))
                      .build())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(w::shutdownNow, "worker-shutdown"));
      try {
        w.connected().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        System.err.println("worker did not connect to " + args[1] + ": " + w.failure().orElse(e.toString()));
        System.exit(1);
      }
      ready("ready " + w.peerId());
    } else {
      System.err.println(
          "usage: GatewayNode orchestrator | GatewayNode worker <orchestrator host:port> <slots> <llm base url> <model>");
      System.exit(2);
    }
    while (System.in.read() >= 0) {
      // Runs until the parent closes stdin or dies.
    }
    System.exit(0);
  }

  private static void ready(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
