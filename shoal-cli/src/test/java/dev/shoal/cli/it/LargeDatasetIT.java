package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance run: a 256 MiB int32 dataset uploaded to the data service, summed by
 * column with a map-reduce over 64 chunks of 4 MiB on four worker processes, one of which is
 * killed with SIGKILL while it runs chunks. The job still succeeds with exactly the column sums
 * computed here (int32 wrapping like Java {@code int}), and every chunk went over the wire.
 */
class LargeDatasetIT {

  private static final int ROWS = 1 << 19; // 524288 rows x 128 int32 = 256 MiB
  private static final int COLS = 128;
  private static final long BYTES = (long) ROWS * COLS * Integer.BYTES;
  private static final int CHUNK_ROWS = 8192; // 64 chunks of 4 MiB
  private static final int CHUNKS = ROWS / CHUNK_ROWS;

  @TempDir Path dir;

  @Test
  void aMapReduceOver256MiBSurvivesAKilledWorkerAndSumsEveryColumnExactly() throws Exception {
    assertThat(BYTES).isEqualTo(256L << 20);
    long t0 = System.nanoTime();
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      Process victim = mesh.worker(orch, "victim", 2);
      for (int i = 1; i <= 3; i++) {
        mesh.worker(orch, "steady-" + i, 2);
      }
      // Written while the workers start: the processes and this test share two cores either way.
      Path data = dir.resolve("dataset.bin");
      int[] expected = writeDataset(data);
      long written = System.nanoTime();

      MeshHttp http = new MeshHttp(orch);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 4);
        long uploadStart = System.nanoTime();
        JsonNode blob = http.uploadBlob(data);
        long uploaded = System.nanoTime();
        assertThat(blob.get("size").asLong()).isEqualTo(BYTES);
        MeshHttp.DataStats before = http.data();

        String job =
            http.submitJob(
                """
                {"map_reduce": {
                  "input": {"blob": "%s", "dtype": "int32", "shape": [%d, %d], "offset": 0},
                  "chunk_rows": %d,
                  "map": {"operator": "tensor.reduce_sum@1", "attributes": {"axis": 0}},
                  "reduce": "tensor.add@1"}}
                """
                    .formatted(blob.get("digest").asText(), ROWS, COLS, CHUNK_ROWS));
        long submitted = System.nanoTime();

        // Kill the victim while it holds attempts and chunks are still queued behind them.
        AtomicReference<JobInfo> seen = new AtomicReference<>();
        await("the victim runs chunks while the job is under way")
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> {
              JobInfo j = client.jobs().get(job);
              seen.set(j);
              return j.finished() || (j.tasks().succeeded() >= 8 && WorkerCrashIT.running(client, "victim") > 0);
            });
        MeshProcesses.kill9(victim);
        long killed = System.nanoTime();
        assertThat(seen.get().finished()).as("the job was still running when the victim was killed: %s", seen.get()).isFalse();
        int succeededAtKill = seen.get().tasks().succeeded();

        JobInfo done = client.jobs().await(job, Duration.ofMinutes(3));
        long finished = System.nanoTime();
        assertThat(done.state()).as("%s%n%s", done, MeshProcesses.tail(orch.log())).isEqualTo("succeeded");
        assertThat(done.tasks().total()).isEqualTo(2 * CHUNKS - 1);

        JsonNode result = http.getJson("/v1/jobs/" + job + "/result?format=values");
        JsonNode tensor = result.get("result");
        assertThat(tensor.get("dtype").asText()).isEqualTo("int32");
        assertThat(tensor.get("shape").get(0).asInt()).isEqualTo(COLS);
        int[] actual = new int[COLS];
        for (int c = 0; c < COLS; c++) {
          actual[c] = tensor.get("values").get(c).asInt();
        }
        assertThat(actual).as("column sums, int32 wrapping").containsExactly(expected);

        int lost = 0;
        for (int c = 0; c < CHUNKS; c++) {
          TaskInfo t = client.tasks().status(job + ".map-" + String.format("%04d", c));
          lost += (int) t.attempts().stream().filter(a -> a.state().equals("lost")).count();
        }
        assertThat(lost).as("the kill hit map attempts in flight").isPositive();
        assertThat(done.retries()).isGreaterThanOrEqualTo(lost);

        MeshHttp.DataStats moved = http.data().minus(before);
        assertThat(moved.served()).as("every chunk was fetched at least once").isGreaterThanOrEqualTo(BYTES);

        System.out.printf(
            "LargeDatasetIT: %d MiB int32 [%d, %d], %d chunks of %d MiB, 4 workers x 2 slots (one SIGKILLed after %d tasks"
                + " succeeded, %d attempts lost, %d retries)%n"
                + "  generate+write %.1f s (with the mesh starting), upload %.1f s, submit (planning, range digests) %.1f s,"
                + " submit->kill %.1f s, kill->done %.1f s, job wall time %.1f s, test total %.1f s%n"
                + "  data service: served %d bytes (%.2fx the dataset), uploaded %d, read for validation %d%n",
            BYTES >> 20, ROWS, COLS, CHUNKS, (BYTES / CHUNKS) >> 20, succeededAtKill, lost, done.retries(),
            secs(t0, written), secs(uploadStart, uploaded), secs(uploaded, submitted), secs(submitted, killed),
            secs(killed, finished), secs(uploaded, finished), secs(t0, System.nanoTime()),
            moved.served(), (double) moved.served() / BYTES, moved.uploaded(), moved.validationRead());
      }
    }
  }

  /**
   * Writes the dataset, little-endian row-major, 4 MiB at a time, and returns its column sums
   * (wrapping int arithmetic, as tensor.reduce_sum and tensor.add do on int32).
   */
  private static int[] writeDataset(Path file) throws IOException {
    SplittableRandom random = new SplittableRandom(256);
    int[] sums = new int[COLS];
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_ROWS * COLS * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int chunk = 0; chunk < CHUNKS; chunk++) {
        buffer.clear();
        for (int r = 0; r < CHUNK_ROWS; r++) {
          for (int c = 0; c < COLS; c++) {
            int v = random.nextInt(); // the full int range: the sums overflow and must wrap
            sums[c] += v;
            buffer.putInt(v);
          }
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    }
    return sums;
  }

  private static double secs(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e9;
  }
}
