package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK on the data service and the new job shapes against a real orchestrator and worker: a
 * map-reduce over an uploaded blob, one whose result is too large to travel inline (so it comes
 * back as a reference, read from the data service), a task graph, ranges and a signed URL that
 * opens bytes without a key.
 */
class DataRoutesTest {

  private static final Duration LONG = Duration.ofSeconds(60);

  private static LiveMesh mesh;
  private static ShoalClient client;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    mesh = LiveMesh.start();
    client = mesh.client();
    mesh.addWorker("data-worker");
  }

  @AfterAll
  static void stop() {
    mesh.close();
  }

  @Test
  void aMapReduceOverAnUploadedBlobSumsItsColumns() throws Exception {
    int rows = 4096;
    int cols = 64;
    int[] values = new int[rows * cols];
    SplittableRandom r = new SplittableRandom(7);
    int[] sums = new int[cols];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.nextInt(1000);
      sums[i % cols] += values[i];
    }
    Tensor data = Tensor.int32(Shape.of(rows, cols), values);
    Path file = Files.write(dir.resolve("rows.bin"), data.toLittleEndianBytes());

    BlobInfo blob = client.blobs().put(file);
    String job =
        client.jobs().submit(JobRequest.mapReduce(
            blob.asTensor(DType.INT32, Shape.of(rows, cols), 0), 512, "tensor.reduce_sum@1", Map.of("axis", 0), "tensor.add@1"));
    assertThat(client.jobs().await(job, LONG).succeeded()).isTrue();

    assertThat(client.jobs().resultTensor(job).toIntArray()).containsExactly(sums);
    JobResult partial = client.jobs().partialResult(job);
    assertThat(partial.partial()).isTrue();
    assertThat(partial.tasks()).filteredOn(t -> t.id().startsWith("map-")).hasSize(8).allMatch(JobResult.Task::succeeded);
    assertThat(partial.task("result").orElseThrow().outputs()).singleElement()
        .isInstanceOfSatisfying(TaskOutput.Inline.class, o -> assertThat(o.tensor().toIntArray()).containsExactly(sums));
    assertThat(client.blobs().stats().bytesUploaded()).isGreaterThanOrEqualTo(blob.size());
    assertThat(client.blobs().stats().bytesServed()).as("the workers fetched the rows").isGreaterThanOrEqualTo(blob.size());
  }

  @Test
  void aResultOverTheInlineLimitComesBackByReference() {
    int rows = 2048;
    int cols = 256;
    float[] values = new float[2 * rows * cols];
    SplittableRandom r = new SplittableRandom(8);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextDouble() * 2 - 1);
    }
    float[] expected = new float[rows * cols];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = Math.max(0, values[i]) + Math.max(0, values[i + expected.length]);
    }
    StoredTensor input = client.blobs().putTensor(Tensor.float32(Shape.of(2 * rows, cols), values));

    String job = client.jobs().submit(JobRequest.mapReduce(input, rows, "tensor.relu@1", Map.of(), "tensor.add@1"));
    assertThat(client.jobs().await(job, LONG).succeeded()).isTrue();

    TaskOutput out = client.jobs().partialResult(job).task("result").orElseThrow().outputs().getFirst();
    assertThat(out).as("2 MiB is over the inline limit").isInstanceOf(StoredTensor.class);
    assertThat(client.blobs().readTensor((StoredTensor) out).toFloatArray()).isEqualTo(expected);
    assertThat(client.jobs().resultTensor(job).toFloatArray()).isEqualTo(expected);
  }

  @Test
  void aTaskReadsAnotherTasksOutput() {
    Tensor x = Tensor.float32(Shape.of(3), new float[] {-1, 2, -3});
    TaskSpec a = TaskSpec.of("tensor.add@1", x, x).withId("a");
    TaskSpec b = TaskSpec.of("tensor.relu@1").withId("b").withInput(Input.from("a"));

    String job = client.jobs().submit(JobRequest.tasks(List.of(a, b)));
    assertThat(client.jobs().await(job, LONG).succeeded()).isTrue();

    TaskOutput out = client.jobs().partialResult(job).task("b").orElseThrow().outputs().getFirst();
    assertThat(((TaskOutput.Inline) out).tensor().toFloatArray()).containsExactly(0, 4, 0);
  }

  @Test
  void rangesAndASignedUrlThatNeedsNoKey() throws Exception {
    byte[] bytes = new byte[300_000];
    new SplittableRandom(9).nextBytes(bytes);
    BlobInfo blob = client.blobs().put(bytes);

    assertThat(client.blobs().read(blob.sha256(), 1000, 10)).isEqualTo(Arrays.copyOfRange(bytes, 1000, 1010));
    Path whole = dir.resolve("whole.bin");
    assertThat(client.blobs().get(blob.digest(), whole)).isEqualTo(bytes.length);
    assertThat(Files.readAllBytes(whole)).isEqualTo(bytes);

    BlobUrl url = client.blobs().url(blob.sha256(), 100, 199, Duration.ofMinutes(1));
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(url.url()).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(resp.statusCode()).isEqualTo(206);
      assertThat(resp.body()).isEqualTo(Arrays.copyOfRange(bytes, 100, 200));
    }
    assertThat(client.blobs().collect().deleted()).as("every blob is fresh").isZero();
  }
}
