package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.client.WorkerInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running the same map-reduce twice over a stored dataset moves its bytes once: the workers keep
 * the chunks they fetched (their data cache), and the scheduler sends each chunk's task back to
 * the worker it sent that chunk to (data locality). The second job's traffic from the data
 * service is a small fraction of the first's.
 */
class DataLocalityIT {

  private static final int ROWS = 65536; // x 128 int32 = 32 MiB
  private static final int COLS = 128;
  private static final long BYTES = (long) ROWS * COLS * Integer.BYTES;
  private static final int CHUNK_ROWS = 8192; // 8 chunks of 4 MiB
  private static final int CHUNKS = ROWS / CHUNK_ROWS;

  @TempDir Path dir;

  @Test
  void aSecondIdenticalJobIsServedFromTheWorkersCaches() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      // No spot checks: one re-runs a task on purpose on another worker than the one that ran it,
      // a deliberate fetch elsewhere that says nothing about locality.
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0, "--spot-checks", "0");
      // Room for the whole dataset in each worker's cache (the flag's default is 256m).
      mesh.worker(orch, "left", 2, "--data-cache", "48m");
      mesh.worker(orch, "right", 2, "--data-cache", "48m");
      MeshHttp http = new MeshHttp(orch);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 2);
        Map<String, String> names =
            client.workers().list().stream().collect(Collectors.toMap(WorkerInfo::peerId, WorkerInfo::name));
        JsonNode blob = http.uploadBlob(dataset());
        String submission =
            """
            {"map_reduce": {
              "input": {"blob": "%s", "dtype": "int32", "shape": [%d, %d]},
              "chunk_rows": %d,
              "map": {"operator": "tensor.reduce_sum@1", "attributes": {"axis": 0}},
              "reduce": "tensor.add@1"}}
            """
                .formatted(blob.get("digest").asText(), ROWS, COLS, CHUNK_ROWS);

        MeshHttp.DataStats start = http.data();
        long t1 = System.nanoTime();
        String first = run(client, http, submission, orch);
        long t2 = System.nanoTime();
        MeshHttp.DataStats middle = http.data();
        String second = run(client, http, submission, orch);
        long t3 = System.nanoTime();
        MeshHttp.DataStats end = http.data();
        long firstServed = middle.minus(start).served();
        long secondServed = end.minus(middle).served();

        List<String> placement = new ArrayList<>();
        for (int c = 0; c < CHUNKS; c++) {
          String task = "map-" + String.format("%04d", c);
          placement.add(task + ": " + workers(client, first + "." + task, names) + " then " + workers(client, second + "." + task, names));
        }
        String report =
            String.format(
                "DataLocalityIT: 32 MiB in %d chunks, 2 workers x 2 slots; first job served %d bytes in %.2f s, second %d bytes"
                    + " in %.2f s%n  chunk placement (attempts' workers and dispatch times after job creation, first job then second):%n  %s%n",
                CHUNKS, firstServed, (t2 - t1) / 1e9, secondServed, (t3 - t2) / 1e9, String.join("\n  ", placement));
        System.out.print(report);

        assertThat(http.getJson("/v1/jobs/" + second + "/result").get("result"))
            .isEqualTo(http.getJson("/v1/jobs/" + first + "/result").get("result"));
        assertThat(firstServed).as("the first job fetched every chunk").isGreaterThanOrEqualTo(BYTES);
        assertThat(secondServed).as("the second job reads from the workers' caches%n%s", report).isLessThan(BYTES / 10);
      }
    }
  }

  private static String run(ShoalClient client, MeshHttp http, String submission, MeshProcesses.Node orch)
      throws IOException, InterruptedException {
    String job = http.submitJob(submission);
    JobInfo done = client.jobs().await(job, Duration.ofMinutes(2));
    assertThat(done.state()).as("%s%n%s", done, MeshProcesses.tail(orch.log())).isEqualTo("succeeded");
    return job;
  }

  /** The workers the task's attempts went to, in order, with when each was dispatched (ms after the job was created). */
  private static String workers(ShoalClient client, String task, Map<String, String> names) {
    TaskInfo t = client.tasks().status(task);
    long created = client.jobs().get(t.jobId()).createdAt();
    return t.attempts().stream()
        .map(a -> names.getOrDefault(a.peerId(), a.peerId()) + "@+" + (a.dispatchedAt() - created) + "ms")
        .toList()
        .toString();
  }

  private static byte[] dataset() {
    ByteBuffer b = ByteBuffer.allocate((int) BYTES).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(32);
    while (b.hasRemaining()) {
      b.putInt(r.nextInt(-1000, 1000));
    }
    return b.array();
  }
}
