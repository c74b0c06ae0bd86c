package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data service from the command line against real processes: an 8 MiB int32 dataset is
 * stored with 'blobs put', summed by column with 'jobs map-reduce' (each worker fetching only its
 * rows by signed URL), and read back whole, by range and by signed URL; 'jobs result --partial'
 * shows the map tasks that did it.
 */
class BlobsCliIT {

  private static final int ROWS = 16_384;
  private static final int COLS = 128;
  private static final int CHUNK_ROWS = 2_048;

  @TempDir Path dir;

  @Test
  void aMapReduceOverAStoredDatasetSumsItsColumns() throws Exception {
    // 16384 × 128 int32 = 8 MiB; small values, so the int32 sums cannot wrap.
    ByteBuffer data = ByteBuffer.allocate(ROWS * COLS * 4).order(ByteOrder.LITTLE_ENDIAN);
    int[] sums = new int[COLS];
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < ROWS * COLS; i++) {
      int v = r.nextInt(1_000) - 500;
      data.putInt(v);
      sums[i % COLS] += v;
    }
    byte[] bytes = data.array();
    Path file = Files.write(dir.resolve("rows.bin"), bytes);

    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node o = mesh.orchestrator(null, 0, 0);
      String url = o.url();
      mesh.worker(o, "data-1", 2);
      mesh.worker(o, "data-2", 2);
      await("both workers connected")
          .atMost(Duration.ofSeconds(120))
          .untilAsserted(() -> {
            Cli w = Cli.run(url, "workers", "--json");
            assertThat(w.json().path("workers")).as("%s%s", w.out(), w.err()).hasSize(2);
          });

      String digest = Cli.run(url, "blobs", "put", file.toString()).ok().out().strip();
      assertThat(digest).startsWith("sha256:").hasSize(7 + 64);
      JsonNode again = Cli.run(url, "blobs", "put", file.toString(), "--json").ok().json();
      assertThat(again.path("digest").asText()).as("stored once, by content").isEqualTo(digest);
      assertThat(again.path("size").asLong()).isEqualTo(bytes.length);

      JsonNode job =
          Cli.run(url, "jobs", "map-reduce", "--blob", digest, "--dtype", "int32", "--shape", ROWS + "," + COLS,
                  "--chunk-rows", String.valueOf(CHUNK_ROWS), "--map", "tensor.reduce_sum@1", "--map-attr", "axis=0",
                  "--reduce", "tensor.add@1", "--wait", "--timeout", "PT3M", "--json")
              .ok()
              .json();
      assertThat(job.path("state").asText()).isEqualTo("succeeded");
      assertThat(job.path("kind").asText()).isEqualTo("map_reduce");
      String id = job.path("id").asText();

      JsonNode result = Cli.run(url, "jobs", "result", id).ok().json().path("result");
      assertThat(result.path("dtype").asText()).isEqualTo("int32");
      assertThat(result.path("shape")).hasSize(1);
      assertThat(ints(result)).containsExactly(sums);

      Path part = dir.resolve("part.bin");
      Cli.run(url, "blobs", "get", digest, "--range", "4096-8191", "-o", part.toString()).ok();
      assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOfRange(bytes, 4096, 8192));
      Path whole = dir.resolve("whole.bin");
      assertThat(Cli.run(url, "blobs", "get", digest, "-o", whole.toString()).ok().out())
          .isEqualTo("wrote " + bytes.length + " bytes to " + whole + "\n");
      assertThat(Files.readAllBytes(whole)).isEqualTo(bytes);

      String partial = Cli.run(url, "jobs", "result", id, "--partial").ok().out();
      int chunks = ROWS / CHUNK_ROWS;
      assertThat(partial).startsWith(id + "  succeeded  (partial: " + (2 * chunks - 1) + " of " + (2 * chunks - 1));
      for (int c = 0; c < chunks; c++) {
        assertThat(partial).containsPattern(String.format("(?m)^  map-%04d +succeeded +int32\\[%d\\] = ", c, COLS));
      }
      assertThat(partial).containsPattern("(?m)^  result +succeeded +int32\\[128\\] = \\[" + sums[0] + ", ");

      JsonNode stats = Cli.run(url, "blobs", "stats", "--json").ok().json();
      assertThat(stats.path("bytes_uploaded").asLong()).isGreaterThanOrEqualTo(bytes.length);
      assertThat(stats.path("bytes_served").asLong())
          .as("the map tasks fetched their rows from the data service")
          .isGreaterThanOrEqualTo(bytes.length);

      String signed = Cli.run(url, "blobs", "url", digest, "--range", "0-15", "--ttl", "1m").ok().out().strip();
      try (HttpClient http = HttpClient.newHttpClient()) {
        HttpResponse<byte[]> opened =
            http.send(HttpRequest.newBuilder(URI.create(signed)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(opened.body()).as("a signed URL needs no key").isEqualTo(Arrays.copyOf(bytes, 16));
      }
    }
  }

  /** An int32 tensor as the API writes it: base64 little-endian {@code data}, or {@code values}. */
  private static int[] ints(JsonNode tensor) {
    if (tensor.has("values")) {
      int[] v = new int[tensor.path("values").size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = tensor.path("values").get(i).asInt();
      }
      return v;
    }
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(tensor.path("data").asText())).order(ByteOrder.LITTLE_ENDIAN);
    int[] v = new int[b.remaining() / 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = b.getInt();
    }
    return v;
  }
}
