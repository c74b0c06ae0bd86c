package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorComparison;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the orchestrator mid-job, then a restart on the same data directory: the
 * acknowledged job completes, and no result it had accepted is lost or recomputed.
 */
class OrchestratorCrashIT {

  @TempDir Path dir;

  @Test
  void anAcknowledgedJobSurvivesKill9OfTheOrchestrator() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      int grpc = MeshProcesses.freePort();
      int http = MeshProcesses.freePort();
      Path data = dir.resolve("data");
      MeshProcesses.Node first = mesh.orchestrator(data, grpc, http, "--fsync");
      // One slot keeps the job long enough (seconds) for the crash to land mid-job.
      mesh.worker(first, "w1", 1);
      Tensor a = Matrices.random(3, 1024);
      Tensor b = Matrices.random(4, 1024);
      String job;
      Map<String, List<TaskInfo.Attempt>> doneBefore = new HashMap<>();
      try (ShoalClient client = ShoalClient.connect(URI.create(first.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 1);
        job = client.jobs().submitMatmul(a, b, 128);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> client.jobs().get(job).tasks().succeeded() >= 4);
        // What the API reports is durable, so these results must survive the crash.
        List<java.util.concurrent.CompletableFuture<TaskInfo>> snapshot = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
          snapshot.add(client.async().tasks().status(job + ".tile-" + String.format("%04d", i)));
        }
        for (var f : snapshot) {
          TaskInfo t = f.join();
          if (t.state().equals("succeeded")) {
            doneBefore.put(t.id(), t.attempts());
          }
        }
        assertThat(client.jobs().get(job).finished()).as("the crash must come mid-job").isFalse();
      }
      MeshProcesses.kill9(first.process());

      MeshProcesses.Node second = mesh.orchestrator(data, grpc, http, "--fsync");
      try (ShoalClient client = ShoalClient.connect(URI.create(second.url()))) {
        JobInfo done = client.jobs().await(job, Duration.ofMinutes(3));
        assertThat(done.state()).as(MeshProcesses.tail(second.log())).isEqualTo("succeeded");
        assertThat(TensorComparison.compare(Matrices.product(a, b), client.jobs().resultTensor(job)).matches()).isTrue();
        assertThat(doneBefore).isNotEmpty();
        for (var e : doneBefore.entrySet()) {
          assertThat(client.tasks().status(e.getKey()).attempts()).as("accepted before the crash: kept as it was").isEqualTo(e.getValue());
        }
        int restarted = 0;
        for (int i = 0; i < done.tasks().total(); i++) {
          TaskInfo t = client.tasks().status(job + ".tile-" + String.format("%04d", i));
          assertThat(t.attempts().stream().filter(x -> x.state().equals("completed"))).hasSize(1);
          restarted += (int) t.attempts().stream().filter(x -> "orchestrator restarted".equals(x.detail())).count();
        }
        assertThat(restarted).as("attempts running at the crash were re-dispatched").isPositive();
      }
    }
  }
}
