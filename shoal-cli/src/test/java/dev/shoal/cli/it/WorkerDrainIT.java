package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM drains a worker: it finishes or hands back what it runs, says goodbye, exits 0; nothing is lost. */
class WorkerDrainIT {

  @TempDir Path dir;

  @Test
  void sigtermDrainsTheWorkerWithoutLosingAttempts() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      Process leaving = mesh.worker(orch, "leaving", 1, "--drain-timeout", "PT0.2S");
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 1);
        String job = client.jobs().submitMatmul(Matrices.random(7, 1024), Matrices.random(8, 1024), 128);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> client.jobs().get(job).tasks().succeeded() >= 2 && WorkerCrashIT.running(client, "leaving") > 0);
        leaving.destroy(); // SIGTERM
        assertThat(leaving.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // 143 = 128 + SIGTERM: the JVM reports the signal even after its shutdown hook drained cleanly.
        assertThat(leaving.exitValue()).isIn(0, 143);
        assertThat(mesh.output(leaving)).contains("event=draining").doesNotContain("Exception");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.workers().list().isEmpty());

        mesh.worker(orch, "staying", 2);
        JobInfo done = client.jobs().await(job, Duration.ofMinutes(3));
        assertThat(done.state()).isEqualTo("succeeded");
        int handedBack = 0;
        for (int i = 0; i < done.tasks().total(); i++) {
          TaskInfo t = client.tasks().status(job + ".tile-" + String.format("%04d", i));
          assertThat(t.attempts()).extracting(TaskInfo.Attempt::state).doesNotContain("lost").containsOnlyOnce("completed");
          // Handed back while draining, or refused because the worker was draining: not the task's fault.
          handedBack +=
              (int) t.attempts().stream().filter(a -> a.state().equals("released") || a.state().equals("rejected")).count();
          assertThat(t.retriesUsed()).as("task %s was charged nothing", t.id()).isZero();
        }
        assertThat(handedBack + done.tasks().succeeded()).isPositive();
        assertThat(done.retries()).as("hand-backs are the only extra attempts").isEqualTo(handedBack);
      }
    }
  }
}
