package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.client.WorkerInfo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker at capacity is never sent more: it never has to refuse a task for lack of a slot. */
class CapacityIT {

  @TempDir Path dir;

  @Test
  void aWorkerIsNeverSentMoreThanItsAdvertisedCapacity() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      mesh.worker(orch, "narrow", 2);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 1);
        String job = client.jobs().submitMatmul(Matrices.random(5, 512), Matrices.random(6, 512), 32);
        int peak = 0;
        JobInfo status;
        do {
          for (WorkerInfo w : client.workers().list()) {
            assertThat(w.load().current()).isLessThanOrEqualTo(w.load().max());
            peak = Math.max(peak, w.load().current());
          }
          status = client.jobs().get(job);
        } while (!status.finished());
        assertThat(status.state()).isEqualTo("succeeded");
        assertThat(peak).as("the worker was kept busy").isEqualTo(2);
        for (int i = 0; i < status.tasks().total(); i++) {
          TaskInfo t = client.tasks().status(job + ".tile-" + String.format("%04d", i));
          assertThat(t.attempts()).extracting(TaskInfo.Attempt::state).containsExactly("completed");
        }
      }
    }
  }
}
