package dev.shoal.bench;

import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of the scaling benchmark: {@code count} workers with {@code slots} each, all
 * dialing one orchestrator, so that the bench JVM's heap holds the orchestrator alone. Prints
 * {@code fleet-ready <count>} once every worker is welcomed (the bench itself waits on the
 * orchestrator's count, which is what it measures), and lives until its stdin closes or it is
 * terminated.
 *
 * <p>Usage: {@code WorkerFleet <orchestrator host:port> <count> <slots per worker>}
 */
public final class WorkerFleet {

  private WorkerFleet() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: WorkerFleet <orchestrator host:port> <count> <slots per worker>");
      System.exit(2);
    }
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    String orchestrator = args[0];
    int count = Integer.parseInt(args[1]);
    int slots = Integer.parseInt(args[2]);

    // Copy-on-write: the hook may run (SIGTERM) while workers are still being added.
    List<Worker> workers = new CopyOnWriteArrayList<>();
    // Abrupt, like Mesh.close(): draining 256 idle workers one by one would only slow teardown.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.forEach(Worker::shutdownNow), "fleet-shutdown"));
    for (int i = 0; i < count; i++) {
      workers.add(
          Worker.create(
                  WorkerConfig.builder()
                      .orchestrators(List.of(orchestrator))
                      .name("bench-" + i)
                      .maxConcurrentTasks(slots)
                      .build())
              .start());
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(
              workers.stream().map(Worker::connected).toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      System.err.println("fleet: workers did not connect to " + orchestrator + ": " + e);
      System.exit(1);
    }
    System.out.println("fleet-ready " + count);
    System.out.flush();
    while (System.in.read() >= 0) {
      // Runs until the parent closes stdin or dies.
    }
    System.exit(0);
  }
}
