package dev.shoal.cli;

import dev.shoal.client.JobInfo;
import dev.shoal.client.Reputation;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.operators.Comparison;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorComparison;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Attributes;
import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: an orchestrator and workers on loopback gRPC, a tiled matmul submitted over the
 * HTTP API, one worker killed mid-job, the product checked against a local computation.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a tiled matrix product on a local mesh: an orchestrator and workers on loopback gRPC.",
      "One more worker lies (wrong results, forged signatures, replays): its lies are caught and it is",
      "quarantined. Kills one honest worker while it runs tasks, shows them rescheduled, and checks the",
      "product. Exits 0 only if the product is right and every faulty worker was quarantined."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--size", defaultValue = "512", description = "Matrices are SIZE x SIZE (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(names = "--tile", defaultValue = "64", description = "Output tiles are TILE x TILE, one task each (default: ${DEFAULT-VALUE}).")
  int tile;

  @Option(names = "--workers", defaultValue = "4", description = "Workers to start (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--slots", defaultValue = "2", description = "Concurrent tasks per worker (default: ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--faulty", defaultValue = "1",
      description = "Extra workers that lie about every result, to show them caught (default: ${DEFAULT-VALUE}).")
  int faulty;

  @Option(names = "--no-kill", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Kill one worker mid-job to show rescheduling (default: on; --no-kill turns it off).")
  boolean kill;

  @Option(names = "--data-dir", description = "Keep the orchestrator's state in DIR (default: in memory).")
  Path dataDir;

  @Option(names = "--http-port", defaultValue = "0", description = "HTTP port; 0 = any free one (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--grpc-port", defaultValue = "0", description = "gRPC port; 0 = any free one (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--seed", defaultValue = "42", description = "Seed for the random matrices (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print the summary as JSON (progress goes to stderr).")
  boolean json;

  @Option(names = "--keep-running", description = "Leave the orchestrator and workers up afterwards (Ctrl-C stops).")
  boolean keepRunning;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (size < 1 || size > 8192 || tile < 1 || tile > size) {
      throw new IllegalArgumentException("need 1 <= tile <= size <= 8192, got size " + size + ", tile " + tile);
    }
    if (workers < (kill ? 2 : 1)) {
      throw new IllegalArgumentException("--workers must be at least " + (kill ? 2 : 1));
    }
    if (faulty < 0 || faulty > workers) {
      throw new IllegalArgumentException("--faulty must be in 0..--workers, got " + faulty);
    }
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    if (System.getenv("SHOAL_LOG_LEVEL") == null) {
      // The demo narrates itself (the faulty worker's lies are in its summary); component logs would
      // only break up the progress bar.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
          .setLevel(ch.qos.logback.classic.Level.ERROR);
    }

    Orchestrator orchestrator =
        Orchestrator.create(
                OrchestratorConfig.builder()
                    .grpcPort(grpcPort)
                    .httpPort(httpPort)
                    .dataDir(dataDir)
                    .heartbeatInterval(Duration.ofMillis(500))
                    .build())
            .start();
    List<Worker> mesh = new ArrayList<>();
    List<Worker> liars = new ArrayList<>();
    // The first worker is the one killed: on its second tile, so it has shown it works first.
    Tripwire tripwire = new Tripwire(OperatorId.parse("tensor.matmul@1"), 2);
    try {
      for (int i = 0; i < workers; i++) {
        Worker w =
            Worker.create(
                WorkerConfig.builder()
                    .orchestrators(List.of("127.0.0.1:" + orchestrator.grpcPort()))
                    .name("demo-" + (i + 1))
                    .maxConcurrentTasks(slots)
                    .operators(kill && i == 0 ? tripwire.registry() : OperatorRegistry.standard())
                    .build());
        w.start();
        mesh.add(w);
      }
      for (int i = 0; i < faulty; i++) {
        Worker w =
            Worker.create(
                WorkerConfig.builder()
                    .orchestrators(List.of("127.0.0.1:" + orchestrator.grpcPort()))
                    .name("demo-faulty-" + (i + 1))
                    .maxConcurrentTasks(slots)
                    .byzantine(true)
                    .build());
        w.start();
        liars.add(w);
      }
      URI api = URI.create("http://127.0.0.1:" + orchestrator.httpPort());
      try (ShoalClient client = ShoalClient.connect(api)) {
        waitForWorkers(client, workers + faulty);
        err.printf("mesh: orchestrator http %s grpc 127.0.0.1:%d, %d workers x %d slots, %d of them faulty%n",
            api, orchestrator.grpcPort(), workers + faulty, slots, faulty);

        SplittableRandom random = new SplittableRandom(seed);
        Tensor a = randomMatrix(random, size);
        Tensor b = randomMatrix(random, size);
        long submitted = System.nanoTime();
        String jobId = client.jobs().submitMatmul(a, b, tile);
        err.printf("job %s: %dx%d . %dx%d in %dx%d tiles%n", jobId, size, size, size, size, tile, tile);

        Worker victim = null;
        int victimInFlight = 0;
        JobInfo status;
        try (ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName("tiles")
                .setInitialMax(1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(100)
                .build()) {
          while (true) {
            status = client.jobs().get(jobId);
            bar.maxHint(status.tasks().total());
            bar.stepTo(status.tasks().finished());
            if (kill && victim == null && tripwire.tripped()) {
              // Kill the worker while it runs a task, without a goodbye: a crash.
              victim = mesh.getFirst();
              victimInFlight = victim.running();
              victim.shutdownNow();
              bar.setExtraMessage("killed " + victim.peerId().substring(0, 10) + "…");
            }
            if (status.finished()) {
              bar.stepTo(status.tasks().finished());
              break;
            }
            Thread.sleep(20);
          }
        }
        double wallSeconds = (System.nanoTime() - submitted) / 1e9;
        if (victim != null) {
          err.printf("killed worker %s with %d task(s) in flight; the orchestrator rescheduled them%n",
              victim.peerId(), victimInFlight);
        }

        boolean correct = false;
        String verdict;
        if (status.succeeded()) {
          Tensor product = client.jobs().resultTensor(jobId);
          Tensor expected =
              OperatorRegistry.standard()
                  .require(OperatorId.parse("tensor.matmul@1"))
                  .apply(List.of(a, b), Attributes.empty())
                  .getFirst();
          Comparison cmp = TensorComparison.compare(expected, product);
          correct = cmp.matches();
          verdict = correct ? "product matches the local computation (max abs error " + cmp.maxAbsError() + ")"
              : "PRODUCT IS WRONG: " + cmp.reason();
        } else {
          verdict = "job ended " + status.state() + ": " + status.error();
        }
        // Counted from the job's own attempt records, not from what the demo did.
        int lostAttempts = victim == null ? 0 : countLost(client, jobId, status.tasks().total());
        // And from each liar's reputation: what the orchestrator caught and did about it.
        List<Map<String, Object>> caught = new ArrayList<>();
        boolean allQuarantined = true;
        for (Worker liar : liars) {
          Reputation r = client.peers().get(liar.peerId());
          int bad = 0;
          for (String kind : List.of("invalid_result", "bad_signature", "replayed", "disagreed")) {
            bad += r.counts().getOrDefault(kind, 0);
          }
          allQuarantined &= r.quarantined();
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("peer_id", liar.peerId());
          row.put("bad_results_caught", bad);
          row.put("invalid_results", r.counts().getOrDefault("invalid_result", 0));
          row.put("forged_signatures", r.counts().getOrDefault("bad_signature", 0));
          row.put("replays", r.counts().getOrDefault("replayed", 0));
          row.put("quarantined", r.quarantined());
          row.put("quarantine_reason", r.quarantineReason());
          row.put("score", round(r.score()));
          caught.add(row);
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("job_id", jobId);
        summary.put("state", status.state());
        summary.put("correct", correct);
        summary.put("size", size);
        summary.put("tile", tile);
        summary.put("workers", workers);
        summary.put("tasks", status.tasks().total());
        summary.put("attempts", status.attempts());
        summary.put("retries", status.retries());
        summary.put("killed_worker", victim == null ? null : victim.peerId());
        summary.put("lost_attempts", lostAttempts);
        summary.put("faulty_workers", caught);
        summary.put("faulty_quarantined", allQuarantined);
        summary.put("wall_seconds", round(wallSeconds));
        summary.put("tasks_per_second", round(status.tasks().total() / wallSeconds));
        summary.put("total_seconds", round((System.nanoTime() - t0) / 1e9));
        if (json) {
          out.println(ClientOptions.toJson(summary));
        } else {
          out.printf("%n%s%n", verdict);
          out.printf("tasks %d  attempts %d  retries %d  lost attempts %d%n",
              status.tasks().total(), status.attempts(), status.retries(), lostAttempts);
          for (Map<String, Object> row : caught) {
            out.printf("faulty worker %s: %s bad results caught (%s invalid, %s forged signatures, %s replays), %s%n",
                row.get("peer_id"), row.get("bad_results_caught"), row.get("invalid_results"),
                row.get("forged_signatures"), row.get("replays"),
                (boolean) row.get("quarantined") ? "quarantined: " + row.get("quarantine_reason") : "NOT quarantined");
          }
          out.printf("wall %.3f s  throughput %.1f tasks/s%n", wallSeconds, status.tasks().total() / wallSeconds);
        }
        if (keepRunning) {
          err.printf("orchestrator stays up: --url %s (grpc 127.0.0.1:%d); Ctrl-C stops%n", api, orchestrator.grpcPort());
          CountDownLatch forever = new CountDownLatch(1);
          Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
          forever.await();
        }
        // A liar that was never stopped is a failure of the demo's point, right product or not.
        return correct && allQuarantined ? 0 : 1;
      }
    } finally {
      for (Worker w : mesh) {
        w.shutdownNow();
      }
      for (Worker w : liars) {
        w.shutdownNow();
      }
      orchestrator.close();
    }
  }

  private static int countLost(ShoalClient client, String jobId, int total) {
    int lost = 0;
    for (int i = 0; i < total; i++) {
      TaskInfo t = client.tasks().status(jobId + ".tile-" + String.format("%04d", i));
      for (TaskInfo.Attempt a : t.attempts()) {
        if (a.state().equals("lost") || a.state().equals("late")) {
          lost++;
        }
      }
    }
    return lost;
  }

  private static void waitForWorkers(ShoalClient client, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (client.workers().list().size() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + client.workers().list().size() + " of " + n + " workers connected within 30 s");
      }
      Thread.sleep(20);
    }
  }

  private static Tensor randomMatrix(SplittableRandom random, int n) {
    float[] v = new float[n * n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return Tensor.float32(Shape.of(n, n), v);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
