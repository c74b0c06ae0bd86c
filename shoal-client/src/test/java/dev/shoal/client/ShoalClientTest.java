package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShoalClientTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Orchestrator server = new Orchestrator();
  private ShoalClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
    client = ShoalClient.connect(URI.create("http://127.0.0.1:" + server.port()), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop();
  }

  /**
   * A double of the orchestrator's HTTP API: answers each "METHOD /path?query" with canned
   * responses (in order; the last one repeats) and records every request. Thread-safe.
   */
  static final class Orchestrator {
    record Canned(int status, String body, Map<String, String> headers) {}

    record Seen(String method, String uri, String body) {}

    private final Map<String, Deque<Canned>> answers = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer http;
    private boolean stopped;

    void on(String request, int status, String body) {
      on(request, status, body, Map.of());
    }

    void on(String request, int status, String body, Map<String, String> headers) {
      answers.computeIfAbsent(request, k -> new ArrayDeque<>()).add(new Canned(status, body.replace('\'', '"'), headers));
    }

    void start() throws IOException {
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      http.createContext("/", this::handle);
      http.start();
    }

    int port() {
      return http.getAddress().getPort();
    }

    void stop() {
      if (!stopped) {
        stopped = true;
        http.stop(0);
      }
    }

    private void handle(HttpExchange ex) throws IOException {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String key = ex.getRequestMethod() + " " + ex.getRequestURI();
      seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), body));
      Canned c;
      synchronized (answers) {
        Deque<Canned> q = answers.get(key);
        c = q == null ? new Canned(404, "{'error': {'code': 'not_found', 'message': 'no route'}}".replace('\'', '"'), Map.of())
            : q.size() > 1 ? q.poll() : q.peek();
      }
      byte[] bytes = c.body().getBytes(StandardCharsets.UTF_8);
      c.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(c.status(), bytes.length == 0 ? -1 : bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    }
  }

  private static String error(String code, String message) {
    return "{'error': {'code': '" + code + "', 'message': '" + message + "'}}";
  }

  private static String base64(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return Base64.getEncoder().encodeToString(b.array());
  }

  private static final String RUNNING_JOB =
      "{'id': 'j1', 'kind': 'tasks', 'state': 'running', 'created_at': 10, 'finished_at': null,"
          + " 'tasks': {'total': 4, 'ready': 1, 'running': 1, 'validating': 0, 'succeeded': 2, 'failed': 0,"
          + " 'cancelled': 0, 'expired': 0}, 'attempts': 3, 'retries': 0, 'error': null}";
  private static final String DONE_JOB =
      RUNNING_JOB.replace("'running'", "'succeeded'").replace("null,", "20,").replace("'ready': 1, 'running': 1",
          "'ready': 0, 'running': 0").replace("'succeeded': 2", "'succeeded': 4");

  // ---------------------------------------------------------------- error mapping

  static Stream<Arguments> errorCodes() {
    return Stream.of(
        Arguments.of(400, "invalid_argument", InvalidArgumentException.class, false),
        Arguments.of(401, "unauthenticated", UnauthenticatedException.class, false),
        Arguments.of(403, "permission_denied", PermissionDeniedException.class, false),
        Arguments.of(404, "not_found", NotFoundException.class, false),
        Arguments.of(409, "conflict", ConflictException.class, false),
        Arguments.of(409, "not_finished", ConflictException.class, true),
        Arguments.of(413, "payload_too_large", PayloadTooLargeException.class, false),
        Arguments.of(429, "rate_limited", RateLimitedException.class, true),
        Arguments.of(503, "unavailable", UnavailableException.class, true),
        Arguments.of(500, "internal", ShoalException.class, false),
        Arguments.of(405, "method_not_allowed", ShoalException.class, false));
  }

  @ParameterizedTest
  @MethodSource("errorCodes")
  void everyEnvelopeCodeMapsToItsException(int status, String code, Class<? extends ShoalException> type, boolean retryable) {
    server.on("GET /v1/jobs/j1", status, error(code, "it went wrong"));

    assertThatThrownBy(() -> client.job("j1"))
        .isExactlyInstanceOf(type)
        .hasMessage("it went wrong")
        .satisfies(
            e -> {
              ShoalException s = (ShoalException) e;
              assertThat(s.code()).isEqualTo(code);
              assertThat(s.status()).isEqualTo(status);
              assertThat(s.retryable()).isEqualTo(retryable);
            });
  }

  @Test
  void notFinishedIsARetryableConflict() {
    server.on("GET /v1/jobs/j1/result", 409, error("not_finished", "job j1 is still running"));

    assertThatThrownBy(() -> client.result("j1"))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.notFinished()).isTrue());
  }

  @Test
  void retryAfterIsCarried() {
    server.on("POST /v1/jobs", 503, error("unavailable", "not now"), Map.of("Retry-After", "7"));

    assertThatThrownBy(() -> client.submitTasks(List.of(TaskSpec.of("tensor.add@1"))))
        .isInstanceOfSatisfying(
            UnavailableException.class, e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
  }

  @Test
  void responsesWithoutTheEnvelopeMapByStatus() {
    server.on("GET /v1/workers", 502, "<html>bad gateway</html>");
    server.on("GET /v1/jobs?limit=5", 404, "");

    assertThatThrownBy(() -> client.workers())
        .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.getMessage()).contains("HTTP 502"));
    assertThatThrownBy(() -> client.jobs(5)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void transportFailuresAreUnavailable() {
    server.stop();

    assertThatThrownBy(() -> client.job("j1"))
        .isInstanceOfSatisfying(
            UnavailableException.class,
            e -> {
              assertThat(e.status()).isZero();
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("cannot reach the orchestrator");
            });
  }

  @Test
  void asyncFuturesFailWithTheExceptionItself() throws Exception {
    server.on("GET /v1/jobs/j1", 404, error("not_found", "no job j1"));

    var failure = client.jobAsync("j1").handle((v, e) -> e).get();

    assertThat(failure).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.jobAsync("j1").join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.jobAsync("j1").get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotFoundException.class);
  }

  // ---------------------------------------------------------------- happy paths

  @Test
  void workers() {
    server.on(
        "GET /v1/workers",
        200,
        "{'workers': [{'peer_id': 'p1', 'name': 'box', 'arch': 'amd64', 'os': 'linux', 'cores': 8,"
            + " 'memory_bytes': 1024, 'accelerators': [{'kind': 'gpu', 'model': 't4', 'memory_bytes': 16}],"
            + " 'operators': ['tensor.add@1'], 'models': [], 'capacity': 4, 'running': 1, 'free_slots': 3,"
            + " 'cpu_load': 0.5, 'draining': false, 'connected_at': 10, 'last_seen': 20, 'protocol_version': '1.0.0',"
            + " 'reputation': {'score': -6.5, 'trusted': false, 'quarantined': true,"
            + " 'quarantine': {'reason': 'two lies', 'since': 15, 'until': 615}, 'counts': {'invalid_result': 2}}}]}");

    List<WorkerInfo> workers = client.workers();

    assertThat(workers)
        .containsExactly(
            new WorkerInfo(
                "p1", "box", "amd64", "linux", 8, 1024, List.of(new WorkerInfo.Accelerator("gpu", "t4", 16)),
                List.of("tensor.add@1"), List.of(), 4, 1, 3, 0.5, false, 10, 20, "1.0.0",
                new Reputation(-6.5, false, true, "two lies", 15, 615, Map.of("invalid_result", 2))));
  }

  @Test
  void submitTasksSendsTensorsAsBase64() throws Exception {
    server.on("POST /v1/jobs", 202, "{'id': 'j9', 'state': 'running', 'tasks': 1}");
    Tensor x = Tensor.float32(Shape.of(2), new float[] {1, 2});

    String id =
        client.submitTasks(
            List.of(
                TaskSpec.of("tensor.add@1", x, x)
                    .withId("first")
                    .withAttribute("axis", 1)
                    .withAttribute("perm", new int[] {1, 0})
                    .withTimeoutMs(500)));

    assertThat(id).isEqualTo("j9");
    JsonNode sent = MAPPER.readTree(server.seen.get(0).body());
    assertThat(sent)
        .isEqualTo(
            MAPPER.readTree(
                ("{'tasks': [{'id': 'first', 'operator': 'tensor.add@1', 'inputs': ["
                        + "{'dtype': 'float32', 'shape': [2], 'data': '" + base64(1, 2) + "'},"
                        + "{'dtype': 'float32', 'shape': [2], 'data': '" + base64(1, 2) + "'}],"
                        + " 'attributes': {'axis': 1, 'perm': [1, 0]}, 'timeout_ms': 500}]}")
                    .replace('\'', '"')));
  }

  @Test
  void submitWithJobDefaults() throws Exception {
    server.on("POST /v1/jobs", 202, "{'id': 'j10', 'state': 'running', 'tasks': 1}");

    String id =
        client.submit(
            JobRequest.tasks(List.of(TaskSpec.of("tensor.add@1"), TaskSpec.of("tensor.add@1").withAcceptance("manual")))
                .withMaxAttempts(5)
                .withDeadlineMs(1000)
                .withTimeoutMs(9)
                .withAcceptance("quorum(2 of 3)"));

    assertThat(id).isEqualTo("j10");
    JsonNode sent = MAPPER.readTree(server.seen.get(0).body());
    assertThat(sent.get("acceptance").asText()).isEqualTo("quorum(2 of 3)");
    assertThat(sent.get("tasks").get(0).has("acceptance")).isFalse();
    assertThat(sent.get("tasks").get(1).get("acceptance").asText()).isEqualTo("manual");
    assertThat(sent.get("max_attempts").asInt()).isEqualTo(5);
    assertThat(sent.get("deadline_ms").asInt()).isEqualTo(1000);
    assertThat(sent.get("timeout_ms").asInt()).isEqualTo(9);
  }

  @Test
  void submitMatmul() throws Exception {
    server.on("POST /v1/jobs", 202, "{'id': 'j11', 'state': 'running', 'tasks': 4}");
    Tensor a = Tensor.float32(Shape.of(1, 2), new float[] {1, 2});
    Tensor b = Tensor.float32(Shape.of(2, 1), new float[] {3, 4});

    assertThat(client.submitMatmul(a, b, 64)).isEqualTo("j11");

    JsonNode m = MAPPER.readTree(server.seen.get(0).body()).get("matmul");
    assertThat(m.get("a").get("data").asText()).isEqualTo(base64(1, 2));
    assertThat(m.get("b").get("shape").toString()).isEqualTo("[2,1]");
    assertThat(m.get("tile_rows").asInt()).isEqualTo(64);
    assertThat(m.get("tile_cols").asInt()).isEqualTo(64);
  }

  @Test
  void jobAndJobs() {
    server.on("GET /v1/jobs/j1", 200, RUNNING_JOB);
    server.on("GET /v1/jobs?limit=2", 200, "{'jobs': [" + RUNNING_JOB + ", " + DONE_JOB + "]}");

    JobInfo job = client.job("j1");
    List<JobInfo> jobs = client.jobs(2);

    assertThat(job)
        .isEqualTo(new JobInfo("j1", "tasks", "running", 10, 0, new JobInfo.Progress(4, 1, 1, 0, 2, 0, 0, 0, 0), 3, 0, null));
    assertThat(job.finished()).isFalse();
    assertThat(job.tasks().finished()).isEqualTo(2);
    assertThat(jobs).hasSize(2);
    assertThat(jobs.get(1).succeeded()).isTrue();
    assertThat(jobs.get(1).finishedAt()).isEqualTo(20);
  }

  @Test
  void task() {
    server.on(
        "GET /v1/tasks/j1.t0000",
        200,
        "{'id': 'j1.t0000', 'job_id': 'j1', 'task_id': 't0000', 'index': 0, 'operator': 'tensor.add@1',"
            + " 'state': 'succeeded', 'retries_used': 0, 'max_attempts': 3, 'error': null,"
            + " 'attempts': [{'attempt': 1, 'peer_id': 'p1', 'state': 'completed', 'dispatched_at': 5,"
            + " 'ended_at': 6, 'detail': ''}],"
            + " 'outputs': [{'dtype': 'float32', 'shape': [2], 'data': '" + base64(4, 6) + "'}]}");

    TaskInfo t = client.task("j1.t0000");

    assertThat(t.jobId()).isEqualTo("j1");
    assertThat(t.state()).isEqualTo("succeeded");
    assertThat(t.attempts()).containsExactly(new TaskInfo.Attempt(1, "p1", "completed", 5, 6, ""));
    assertThat(t.outputs()).singleElement().satisfies(o -> assertThat(o.toFloatArray()).containsExactly(4f, 6f));
  }

  @Test
  void aTaskSaysHowItsResultWasAcceptedAndWhatIsKeptForConfirmation() throws Exception {
    server.on(
        "GET /v1/tasks/j1.q",
        200,
        "{'id': 'j1.q', 'job_id': 'j1', 'task_id': 'q', 'index': 0, 'operator': 'tensor.add@1',"
            + " 'state': 'succeeded', 'retries_used': 0, 'max_attempts': 3, 'error': null, 'attempts': [],"
            + " 'acceptance_policy': 'quorum(2 of 3)',"
            + " 'acceptance': {'policy': 'quorum(2 of 3)', 'decided_by': 'quorum', 'attempt': 1, 'peer_id': 'p1',"
            + "   'agreeing': ['p3'], 'checks': [{'attempt': 1, 'peer_id': 'p1', 'method': 'freivalds', 'rounds': 8,"
            + "   'outcome': 'passed'}, {'attempt': 2, 'peer_id': 'p2', 'method': 'sampled_recompute', 'samples': 32,"
            + "   'outcome': 'failed', 'detail': 'off'}]}}");
    server.on(
        "GET /v1/tasks/j1.m/results",
        200,
        "{'id': 'j1.m', 'state': 'awaiting_confirmation', 'acceptance_policy': 'manual',"
            + " 'results': [{'attempt': 2, 'peer_id': 'p2', 'checks': [{'method': 'structure', 'outcome': 'passed'}],"
            + " 'outputs': [{'dtype': 'float32', 'shape': [2], 'data': '" + base64(4, 6) + "'}]}]}");
    server.on("POST /v1/tasks/j1.m/confirm", 200, "{'id': 'j1.m', 'state': 'succeeded', 'attempt': 2}");

    TaskInfo.Acceptance a = client.task("j1.q").acceptance();
    assertThat(a.decidedBy()).isEqualTo("quorum");
    assertThat(a.agreeing()).containsExactly("p3");
    assertThat(a.checks())
        .containsExactly(
            new TaskInfo.Check(1, "p1", "freivalds", 8, 0, true, ""),
            new TaskInfo.Check(2, "p2", "sampled_recompute", 0, 32, false, "off"));
    List<TaskInfo.KeptResult> kept = client.keptResults("j1.m");
    assertThat(kept).singleElement().satisfies(r -> {
      assertThat(r.attempt()).isEqualTo(2);
      assertThat(r.checks()).containsExactly(new TaskInfo.Check(2, "p2", "structure", 0, 0, true, ""));
      assertThat(r.outputs().getFirst().toFloatArray()).containsExactly(4f, 6f);
    });
    client.confirm("j1.m", 2);
    assertThat(MAPPER.readTree(server.seen.getLast().body()).get("attempt").asInt()).isEqualTo(2);
  }

  @Test
  void resultAndResultTensor() {
    server.on(
        "GET /v1/jobs/j2/result",
        200,
        "{'job_id': 'j2', 'state': 'succeeded', 'result': {'dtype': 'float32', 'shape': [1, 2], 'data': '"
            + base64(11, 12) + "'}}");

    JsonNode raw = client.result("j2");
    Tensor product = client.resultTensor("j2");

    assertThat(raw.get("state").asText()).isEqualTo("succeeded");
    assertThat(product.shape().dims()).containsExactly(1, 2);
    assertThat(product.toFloatArray()).containsExactly(11f, 12f);
  }

  @Test
  void resultTensorReadsTheValuesFormToo() {
    server.on(
        "GET /v1/jobs/j3/result",
        200,
        "{'job_id': 'j3', 'state': 'succeeded', 'result': {'dtype': 'float32', 'shape': [2], 'values': [1.5, 'NaN']}}");

    float[] v = client.resultTensor("j3").toFloatArray();

    assertThat(v[0]).isEqualTo(1.5f);
    assertThat(v[1]).isNaN();
  }

  @Test
  void cancel() {
    server.on("POST /v1/jobs/j4/cancel", 200, "{'id': 'j4', 'state': 'cancelled'}");
    server.on("POST /v1/jobs/j5/cancel", 409, error("conflict", "job j5 has already finished"));

    client.cancel("j4");

    assertThat(server.seen).extracting(Orchestrator.Seen::uri).containsExactly("/v1/jobs/j4/cancel");
    assertThatThrownBy(() -> client.cancel("j5")).isInstanceOf(ConflictException.class);
  }

  @Test
  void awaitJobPollsUntilFinished() {
    server.on("GET /v1/jobs/j1", 200, RUNNING_JOB);
    server.on("GET /v1/jobs/j1", 503, error("unavailable", "busy"), Map.of("Retry-After", "0"));
    server.on("GET /v1/jobs/j1", 200, RUNNING_JOB);
    server.on("GET /v1/jobs/j1", 200, DONE_JOB);

    JobInfo done = client.awaitJob("j1", Duration.ofSeconds(10));

    assertThat(done.succeeded()).isTrue();
    assertThat(server.seen).hasSize(4);
  }

  @Test
  void awaitJobReturnsTheJobAsLastSeenWhenTimeIsUp() {
    server.on("GET /v1/jobs/j1", 200, RUNNING_JOB);

    JobInfo job = client.awaitJob("j1", Duration.ofMillis(200));

    assertThat(job.finished()).isFalse();
    // 25, 50, 100 ms pauses: a handful of polls, not a busy loop.
    assertThat(server.seen.size()).isBetween(2, 6);
  }

  @Test
  void awaitJobStopsOnAnErrorThatWillNotPass() {
    server.on("GET /v1/jobs/j1", 404, error("not_found", "no job j1"));

    assertThatThrownBy(() -> client.awaitJob("j1", Duration.ofSeconds(10))).isInstanceOf(NotFoundException.class);
    assertThat(server.seen).hasSize(1);
  }
}
