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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a worker mid-task: its attempts are lost and rescheduled, every task completes exactly once. */
class WorkerCrashIT {

  @TempDir Path dir;

  @Test
  void aWorkerKilledMidTaskLosesItsAttemptsAndEveryTaskCompletesExactlyOnce() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      Process victim = mesh.worker(orch, "victim", 2);
      mesh.worker(orch, "steady-1", 2);
      mesh.worker(orch, "steady-2", 2);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 3);
        Tensor a = Matrices.random(1, 768);
        Tensor b = Matrices.random(2, 768);
        String job = client.jobs().submitMatmul(a, b, 96);

        // Wait until the victim is running tasks and some of the job is done, then SIGKILL it.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> client.jobs().get(job).tasks().succeeded() >= 4 && running(client, "victim") > 0);
        MeshProcesses.kill9(victim);

        JobInfo done = client.jobs().await(job, Duration.ofMinutes(3));
        assertThat(done.state()).as(MeshProcesses.tail(orch.log())).isEqualTo("succeeded");
        assertThat(TensorComparison.compare(Matrices.product(a, b), client.jobs().resultTensor(job)).matches()).isTrue();

        int lost = 0;
        for (int i = 0; i < done.tasks().total(); i++) {
          TaskInfo t = client.tasks().status(job + ".tile-" + String.format("%04d", i));
          List<String> states = t.attempts().stream().map(TaskInfo.Attempt::state).toList();
          // One result is accepted; a spot check adds a second completed attempt that agreed with it.
          long completed = states.stream().filter("completed"::equals).count();
          boolean spotChecked = t.acceptance().decidedBy().equals("spot_checked");
          assertThat(completed).as("task %s attempts %s", t.id(), states).isEqualTo(spotChecked ? 2 : 1);
          lost += (int) states.stream().filter("lost"::equals).count();
        }
        assertThat(lost).as("the kill hit attempts in flight").isPositive();
        assertThat(done.retries()).isGreaterThanOrEqualTo(lost);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.workers().list().size() == 2);
      }
    }
  }

  static int running(ShoalClient client, String name) {
    return client.workers().list().stream().filter(w -> w.name().equals(name)).mapToInt(w -> w.load().current()).sum();
  }
}
