package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job shapes of API.md "Jobs" as the SDK writes them (task graphs, stored inputs, batch,
 * matmul split over k, map-reduce), and their results as it reads them (partial results, task
 * views, task results and kept results with inline and stored outputs, a map-reduce's one tensor
 * fetched from the data service), against a stub that records what it was sent and answers what
 * the orchestrator would.
 */
class JobShapesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHA = "ab".repeat(32);

  private HttpServer server;
  private ShoalClient client;
  private volatile JsonNode submitted;
  /** Canned answers by request target (path and query). */
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
    client = ShoalClient.create(
        ShoalClientOptions.builder()
            .baseUrl(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
            .noApiKey()
            .timeout(Duration.ofSeconds(20))
            .build());
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  // ---------------------------------------------------------------- what is sent

  @Test
  void aTaskGraphReadsOtherTasksAndStoredBlobs() throws Exception {
    Tensor x = Tensor.int32(Shape.of(2), new int[] {1, 2});
    TaskSpec a = TaskSpec.of("tensor.add@1", x, x).withId("a");
    TaskSpec b =
        TaskSpec.of("tensor.add@1")
            .withId("b")
            .withInput(Input.from("a"))
            .withInput(Input.blob("sha256:" + SHA, DType.INT32, Shape.of(2), 16));
    TaskSpec c = TaskSpec.of("tensor.relu@1").withId("c").withInput(Input.from("b", 0)).withInput(Input.of(x));

    client.jobs().submit(JobRequest.tasks(List.of(a, b, c)).withMaxAttempts(2));

    assertThat(submitted.path("max_attempts").asInt()).isEqualTo(2);
    JsonNode tasks = submitted.path("tasks");
    assertThat(tasks.get(0).path("inputs").get(0).path("dtype").asText()).isEqualTo("int32");
    assertThat(tasks.get(1).path("inputs")).isEqualTo(JSON.readTree(
        "[{\"from\": \"a\", \"output\": 0},"
            + " {\"blob\": \"sha256:" + SHA + "\", \"dtype\": \"int32\", \"shape\": [2], \"offset\": 16}]"));
    assertThat(tasks.get(2).path("inputs").get(0)).isEqualTo(JSON.readTree("{\"from\": \"b\", \"output\": 0}"));
    assertThat(tasks.get(2).path("inputs").get(1).has("data")).isTrue();
  }

  @Test
  void inlineTensorTasksAreBuiltAsBefore() throws Exception {
    Tensor x = Tensor.float32(Shape.of(1), new float[] {1});
    TaskSpec t = new TaskSpec("t0", "tensor.relu@1", List.of(x), Map.of(), null, null, null);

    assertThat(t.inputs()).containsExactly(Input.of(x));
  }

  @Test
  void aMapReduceOverAStoredTensor() throws Exception {
    StoredTensor rows = Input.blob(SHA, DType.INT32, Shape.of(65536, 128), 0);

    client.jobs().submit(JobRequest.mapReduce(rows, 4096, "tensor.reduce_sum@1", Map.of("axis", 0), "tensor.add@1"));

    assertThat(submitted).isEqualTo(JSON.readTree(
        "{\"map_reduce\": {\"input\": {\"blob\": \"sha256:" + SHA + "\", \"dtype\": \"int32\", \"shape\": [65536, 128],"
            + " \"offset\": 0}, \"chunk_rows\": 4096, \"map\": {\"operator\": \"tensor.reduce_sum@1\","
            + " \"attributes\": {\"axis\": 0}}, \"reduce\": \"tensor.add@1\"}}"));
  }

  @Test
  void aBatchAndAMatmulSplitOverK() throws Exception {
    Tensor x = Tensor.float32(Shape.of(1), new float[] {2});
    StoredTensor y = Input.blob(SHA, DType.FLOAT32, Shape.of(1));

    client.jobs().submit(JobRequest.batch("tensor.relu@1", List.of(List.of(Input.of(x)), List.of(y)), Map.of()));
    JsonNode items = submitted.path("batch").path("items");
    assertThat(submitted.path("batch").path("operator").asText()).isEqualTo("tensor.relu@1");
    assertThat(submitted.path("batch").has("attributes")).isFalse();
    assertThat(items).hasSize(2);
    assertThat(items.get(0).get(0).path("data").asText()).isNotEmpty();
    assertThat(items.get(1).get(0).path("blob").asText()).isEqualTo("sha256:" + SHA);

    Tensor a = Tensor.float32(Shape.of(4, 8), new float[32]);
    client.jobs().submit(JobRequest.matmul(a, Tensor.float32(Shape.of(8, 4), new float[32]), 2, 2, 4).withAcceptance("quorum(2 of 3)"));
    JsonNode m = submitted.path("matmul");
    assertThat(m.path("tile_rows").asInt()).isEqualTo(2);
    assertThat(m.path("tile_cols").asInt()).isEqualTo(2);
    assertThat(m.path("split_k").asInt()).isEqualTo(4);
    assertThat(submitted.path("acceptance").asText()).isEqualTo("quorum(2 of 3)");
  }

  @Test
  void shapesThatCannotBeSentAreRefusedWhenBuilt() {
    assertThatThrownBy(() -> JobRequest.batch("tensor.relu@1", List.of(List.of(Input.from("a"))), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a batch item is tensors");
    assertThatThrownBy(() -> Input.blob("sha256:nothex", DType.INT32, Shape.of(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> new JobRequest.MapReduce(Input.from("a"), 1, "tensor.relu@1", Map.of(), "tensor.add@1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- what is read

  @Test
  void aPartialResultShowsEachTaskWithInlineAndStoredOutputs() {
    answers.put("/v1/jobs/j1/result?partial=true", """
        {"job_id": "j1", "state": "running", "partial": true, "tasks": [
          {"id": "map-0000", "state": "succeeded", "outputs": [{"dtype": "int32", "shape": [2], "values": [3, 4]}], "error": null},
          {"id": "map-0001", "state": "succeeded",
           "outputs": [{"dtype": "float32", "shape": [1024, 512], "blob": "sha256:%s", "offset": 0}], "error": null},
          {"id": "map-0002", "state": "failed", "outputs": [], "error": "no worker could run it"},
          {"id": "result", "state": "waiting", "outputs": [], "error": null}]}
        """.formatted(SHA));

    JobResult r = client.jobs().partialResult("j1");

    assertThat(r.jobId()).isEqualTo("j1");
    assertThat(r.partial()).isTrue();
    assertThat(r.finished()).isFalse();
    assertThat(r.tasks()).extracting(JobResult.Task::id).containsExactly("map-0000", "map-0001", "map-0002", "result");
    assertThat(r.task("map-0000").orElseThrow().outputs()).singleElement()
        .isInstanceOfSatisfying(TaskOutput.Inline.class, i -> assertThat(i.tensor().toIntArray()).containsExactly(3, 4));
    assertThat(r.task("map-0001").orElseThrow().outputs()).singleElement()
        .isEqualTo(new StoredTensor("sha256:" + SHA, DType.FLOAT32, Shape.of(1024, 512), 0));
    StoredTensor stored = (StoredTensor) r.task("map-0001").orElseThrow().outputs().getFirst();
    assertThat(stored.asInput()).as("a stored output is a later job's input as is").isSameAs(stored);
    assertThat(stored.byteSize()).isEqualTo(1024 * 512 * 4);
    assertThat(r.task("map-0002").orElseThrow().error()).isEqualTo("no worker could run it");
    assertThat(r.task("result").orElseThrow().state()).isEqualTo("waiting");
  }

  @Test
  void aMapReduceResultKeptInTheDataServiceIsFetchedFromIt() {
    Tensor sums = Tensor.int32(Shape.of(3), new int[] {10, 20, 30});
    byte[] blob = new byte[12 + 4];
    System.arraycopy(sums.toLittleEndianBytes(), 0, blob, 4, 12);
    blobs.put(SHA, blob);
    answers.put("/v1/jobs/j2/result",
        "{\"job_id\": \"j2\", \"state\": \"succeeded\", \"result\":"
            + " {\"dtype\": \"int32\", \"shape\": [3], \"blob\": \"sha256:" + SHA + "\", \"offset\": 4}}");
    answers.put("/v1/jobs/j3/result",
        "{\"job_id\": \"j3\", \"state\": \"succeeded\", \"result\": {\"dtype\": \"int32\", \"shape\": [1], \"values\": [7]}}");
    answers.put("/v1/jobs/j4/result", "{\"job_id\": \"j4\", \"state\": \"succeeded\", \"tasks\": []}");

    assertThat(client.jobs().resultTensor("j2").toIntArray()).containsExactly(10, 20, 30);
    assertThat(client.jobs().resultTensor("j3").toIntArray()).containsExactly(7);
    assertThatThrownBy(() -> client.jobs().resultTensor("j4"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("no single tensor");
  }

  /** A task view as the orchestrator writes it: an accepted output kept in the data service, and a kept result. */
  private static final String BIG_TASK = """
      {"id": "j6.big", "job_id": "j6", "task_id": "big", "index": 0, "operator": "tensor.matmul@1",
       "state": "succeeded", "retries_used": 0, "max_attempts": 2,
       "attempts": [{"attempt": 1, "peer_id": "wA", "state": "ACCEPTED", "dispatched_at": 1, "ended_at": 2, "detail": ""}],
       "acceptance_policy": "first_valid",
       "acceptance": {"policy": "first_valid", "decided_by": "validated", "attempt": 1, "peer_id": "wA", "agreeing": [],
         "checks": [{"attempt": 1, "peer_id": "wA", "method": "freivalds", "rounds": 2, "outcome": "passed"}]},
       "results": [{"attempt": 2, "peer_id": "wB", "checks": [{"method": "structure", "outcome": "passed"}],
         "outputs": [{"dtype": "int32", "shape": [3], "blob": "sha256:%1$s", "offset": 4},
                     {"dtype": "int32", "shape": [1], "values": [7]}]}],
       "outputs": [{"dtype": "int32", "shape": [3], "blob": "sha256:%1$s", "offset": 4}]}
      """.formatted(SHA);

  @Test
  void aTaskViewWithAnOutputKeptInTheDataServiceIsReadAsAReference() {
    storeSums();
    answers.put("/v1/tasks/j6.big", BIG_TASK);
    answers.put("/v1/tasks/j6.big/results", "{\"results\": " + tree(BIG_TASK).path("results") + "}");
    StoredTensor expected = new StoredTensor("sha256:" + SHA, DType.INT32, Shape.of(3), 4);

    TaskInfo t = client.tasks().status("j6.big");

    assertThat(t.state()).isEqualTo("succeeded");
    assertThat(t.acceptance().decidedBy()).isEqualTo("validated");
    assertThat(t.outputs()).containsExactly(expected);
    assertThat(client.blobs().readTensor(t.outputs().getFirst()).toIntArray()).containsExactly(10, 20, 30);
    assertThatThrownBy(() -> t.outputs().getFirst().tensor())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sha256:" + SHA)
        .hasMessageContaining("readTensor");
    TaskInfo.KeptResult kept = t.keptResults().getFirst();
    assertThat(kept.attempt()).isEqualTo(2);
    assertThat(kept.checks()).singleElement().satisfies(c -> assertThat(c.attempt()).isEqualTo(2));
    assertThat(kept.outputs().getFirst()).isEqualTo(expected);
    assertThat(kept.outputs().get(1).tensor().toIntArray()).containsExactly(7);
    assertThat(client.blobs().readTensor(kept.outputs().get(1))).as("an inline output is read as is").isSameAs(kept.outputs().get(1).tensor());
    assertThat(client.tasks().keptResults("j6.big")).isEqualTo(t.keptResults());
  }

  @Test
  void aTaskResultWithAnOutputKeptInTheDataServiceIsReadAsAReference() {
    storeSums();
    answers.put("/v1/tasks/j6.big/result", """
        {"id": "j6.big", "state": "succeeded", "operator": "tensor.matmul@1", "worker": {"peer_id": "wA", "name": "a"},
         "attempt": 1, "duration_ms": 5,
         "outputs": [{"dtype": "int32", "shape": [3], "blob": "sha256:%s", "offset": 4}, {"dtype": "float32", "shape": [2], "values": [1.5, 2.5]}]}
        """.formatted(SHA));

    TaskResult r = client.tasks().result("j6.big");

    assertThat(r.succeeded()).isTrue();
    assertThat(r.outputs()).hasSize(2);
    assertThat(r.outputs().getFirst()).isEqualTo(new StoredTensor(SHA, DType.INT32, Shape.of(3), 4));
    assertThat(client.blobs().readTensor(r.outputs().getFirst()).toIntArray()).containsExactly(10, 20, 30);
    assertThat(r.outputs().get(1)).isInstanceOf(TaskOutput.Inline.class);
    assertThat(r.outputs().get(1).tensor().toFloatArray()).containsExactly(1.5f, 2.5f);
  }

  @Test
  void aTaskWaitingForItsInputsHasNoOutputsYet() {
    answers.put("/v1/tasks/j6.later", """
        {"id": "j6.later", "job_id": "j6", "task_id": "later", "index": 1, "operator": "tensor.add@1",
         "state": "waiting", "retries_used": 0, "max_attempts": 2, "attempts": [], "acceptance_policy": "first_valid"}
        """);

    TaskInfo t = client.tasks().status("j6.later");

    assertThat(t.state()).isEqualTo("waiting");
    assertThat(t.outputs()).isEmpty();
    assertThat(t.acceptance()).isNull();
    assertThat(t.keptResults()).isEmpty();
  }

  /** int32 [10, 20, 30] at offset 4 of blob SHA. */
  private void storeSums() {
    byte[] blob = new byte[12 + 4];
    System.arraycopy(Tensor.int32(Shape.of(3), new int[] {10, 20, 30}).toLittleEndianBytes(), 0, blob, 4, 12);
    blobs.put(SHA, blob);
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void progressCountsTasksWaitingForTheirInputs() {
    answers.put("/v1/jobs/j5",
        "{\"id\": \"j5\", \"kind\": \"tasks\", \"state\": \"running\", \"created_at\": 1, \"finished_at\": null,"
            + " \"tasks\": {\"total\": 3, \"waiting\": 2, \"ready\": 1}, \"attempts\": 0, \"retries\": 0, \"error\": null}");

    assertThat(client.jobs().get("j5").tasks().waiting()).isEqualTo(2);
  }

  // ---------------------------------------------------------------- the stub

  private void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String path = ex.getRequestURI().getPath();
    String target = path + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
    try {
      if (ex.getRequestMethod().equals("POST") && path.equals("/v1/jobs")) {
        submitted = JSON.readTree(body);
        reply(ex, 202, "application/json", "{\"id\": \"j1\", \"state\": \"running\", \"tasks\": 1}".getBytes(StandardCharsets.UTF_8), null);
      } else if (path.startsWith("/v1/blobs/") && blobs.containsKey(path.substring(10))) {
        byte[] b = blobs.get(path.substring(10));
        String[] range = ex.getRequestHeaders().getFirst("Range").substring(6).split("-");
        int from = Integer.parseInt(range[0]);
        int to = Integer.parseInt(range[1]);
        byte[] part = java.util.Arrays.copyOfRange(b, from, to + 1);
        reply(ex, 206, "application/octet-stream", part, "bytes " + from + "-" + to + "/" + b.length);
      } else if (answers.containsKey(target)) {
        reply(ex, 200, "application/json", answers.get(target).getBytes(StandardCharsets.UTF_8), null);
      } else {
        reply(ex, 404, "application/json",
            "{\"error\": {\"code\": \"not_found\", \"message\": \"no route\"}}".getBytes(StandardCharsets.UTF_8), null);
      }
    } finally {
      ex.close();
    }
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body, String contentRange) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (contentRange != null) {
      ex.getResponseHeaders().set("Content-Range", contentRange);
    }
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }
}
