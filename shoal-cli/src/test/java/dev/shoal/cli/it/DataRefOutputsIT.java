package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.StoredTensor;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs over the inline limit travel by reference: a batch of tensor.relu@1 over items of
 * 1.6 MB each, read from a stored blob at their offsets, makes workers upload each output to the
 * data service. Task views name the outputs as blobs (and the SDK reads them as references from
 * the task's view and its result), the blobs hold exactly relu of the inputs, and the orchestrator
 * read them to validate the results.
 */
class DataRefOutputsIT {

  private static final int ITEMS = 3;
  private static final int LENGTH = 400_000; // float32: 1.6 MB a tensor, over the 1 MiB inline limit
  private static final int ITEM_BYTES = LENGTH * Float.BYTES;

  @TempDir Path dir;

  @Test
  void largeOutputsAreUploadedByWorkersAndShownAsBlobReferences() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      mesh.worker(orch, "w1", 2);
      mesh.worker(orch, "w2", 2);
      MeshHttp http = new MeshHttp(orch);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 2);
        byte[] input = inputs();
        String digest = http.uploadBlob(input).get("digest").asText();
        MeshHttp.DataStats before = http.data();

        StringBuilder items = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
          items.append(i == 0 ? "" : ",")
              .append("{\"blob\": \"%s\", \"dtype\": \"float32\", \"shape\": [%d], \"offset\": %d}".formatted(digest, LENGTH, (long) i * ITEM_BYTES));
        }
        String job = http.submitJob("{\"batch\": {\"operator\": \"tensor.relu@1\", \"items\": [" + items + "]}}");
        JobInfo done = client.jobs().await(job, Duration.ofMinutes(2));
        assertThat(done.state()).as("%s%n%s", done, MeshProcesses.tail(orch.log())).isEqualTo("succeeded");
        MeshHttp.DataStats moved = http.data().minus(before);

        JsonNode partial = http.getJson("/v1/jobs/" + job + "/result?partial=true");
        JsonNode result = http.getJson("/v1/jobs/" + job + "/result");
        assertThat(partial.get("partial").asBoolean()).isTrue();
        assertThat(partial.get("tasks")).hasSize(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
          String id = "item-%04d".formatted(i);
          JsonNode task = partial.get("tasks").get(i);
          assertThat(task.get("id").asText()).isEqualTo(id);
          assertThat(task.get("state").asText()).isEqualTo("succeeded");
          JsonNode out = task.get("outputs").get(0);
          assertThat(out.has("blob")).as("output of %s by reference: %s", id, out).isTrue();
          assertThat(out.has("data") || out.has("values")).as("no inline bytes: %s", out).isFalse();
          assertThat(out.get("dtype").asText()).isEqualTo("float32");
          assertThat(out.get("shape").get(0).asInt()).isEqualTo(LENGTH);
          // The finished result and the task's own view name the same blob.
          assertThat(result.get("tasks").get(i).get("outputs").get(0)).isEqualTo(out);
          assertThat(http.getJson("/v1/tasks/" + job + "." + id).get("outputs").get(0)).isEqualTo(out);
          // The SDK reads the same reference from the task's view and its result, and fetches it.
          StoredTensor ref = new StoredTensor(out.get("blob").asText(), DType.FLOAT32, Shape.of(LENGTH), out.get("offset").asLong());
          assertThat(client.tasks().status(job + "." + id).outputs()).containsExactly(ref);
          assertThat(client.tasks().result(job + "." + id).outputs()).containsExactly(ref);
          float[] fetched = client.blobs().readTensor(ref).toFloatArray();

          byte[] blob = http.blob(out.get("blob").asText());
          int offset = out.get("offset").asInt();
          assertThat(blob.length).isGreaterThanOrEqualTo(offset + ITEM_BYTES);
          if (offset == 0 && blob.length == ITEM_BYTES) {
            assertThat("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob)))
                .as("a blob is named by its content")
                .isEqualTo(out.get("blob").asText());
          }
          ByteBuffer got = ByteBuffer.wrap(blob, offset, ITEM_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
          ByteBuffer in = ByteBuffer.wrap(input, i * ITEM_BYTES, ITEM_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
          int negatives = 0;
          for (int k = 0; k < LENGTH; k++) {
            float x = in.getFloat(k * Float.BYTES);
            float expected = x > 0 ? x : 0f;
            negatives += x < 0 ? 1 : 0;
            float actual = got.getFloat(k * Float.BYTES);
            if (Float.floatToRawIntBits(actual) != Float.floatToRawIntBits(expected)) {
              throw new AssertionError(id + "[" + k + "]: relu(" + x + ") is " + expected + ", the blob holds " + actual);
            }
            if (Float.floatToRawIntBits(fetched[k]) != Float.floatToRawIntBits(expected)) {
              throw new AssertionError(id + "[" + k + "]: relu(" + x + ") is " + expected + ", the SDK read " + fetched[k]);
            }
          }
          assertThat(negatives).as("relu had something to do").isGreaterThan(LENGTH / 4);
        }

        System.out.printf(
            "DataRefOutputsIT: %d relu outputs of %d bytes; data service during the job: served %d, uploaded %d, read for validation %d%n",
            ITEMS, ITEM_BYTES, moved.served(), moved.uploaded(), moved.validationRead());
        assertThat(moved.served()).as("workers fetched every item").isGreaterThanOrEqualTo((long) ITEMS * ITEM_BYTES);
        assertThat(moved.uploaded()).as("workers uploaded every output").isGreaterThanOrEqualTo((long) ITEMS * ITEM_BYTES);
        assertThat(moved.validationRead()).as("validators read inputs and outputs by reference").isPositive();
      }
    }
  }

  /** {@code ITEMS} float32 vectors of {@code LENGTH} in [-1, 1), little-endian, one after another. */
  private static byte[] inputs() {
    ByteBuffer b = ByteBuffer.allocate(ITEMS * ITEM_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(7);
    while (b.hasRemaining()) {
      b.putFloat((float) (r.nextDouble() * 2 - 1));
    }
    return b.array();
  }
}
