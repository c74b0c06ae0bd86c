package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.acceptance.Check;
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.CancelOutcome;
import dev.shoal.orchestrator.internal.core.JobOutcome;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.JobService.ConfirmOutcome;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.WorkerStatus;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.jobs.TensorJson;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.LedgerEntry;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.Accelerator;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpApiTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long MAX_BODY = 64 * 1024;

  private final FakeJobs jobs = new FakeJobs();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HttpApi api;

  @BeforeEach
  void start() {
    api =
        new HttpApi(
                jobs, new JobPlanner(OperatorRegistry.standard()), new ResultAssembler(), "127.0.0.1", 0, MAX_BODY)
            .start();
  }

  @AfterEach
  void stop() {
    api.stop();
    client.close();
  }

  // ---------------------------------------------------------------- the double

  /**
   * A double of the core ({@link JobService}): answers from maps the test fills, records what is
   * submitted, and can be told to fail. Thread-safe.
   */
  static final class FakeJobs implements JobService {
    final Map<String, JobStatus> jobs = new ConcurrentHashMap<>();
    final Map<String, JobOutcome> outcomes = new ConcurrentHashMap<>();
    final Map<String, TaskStatus> tasks = new ConcurrentHashMap<>();
    final Map<String, CancelOutcome> cancels = new ConcurrentHashMap<>();
    final List<JobPlan> submitted = new CopyOnWriteArrayList<>();
    final List<WorkerStatus> workers = new CopyOnWriteArrayList<>();
    volatile RuntimeException failure;
    /** Throw {@link #failure} from the call itself instead of failing the future. */
    volatile boolean throwAtOnce;

    private <T> CompletableFuture<T> answer(T value) {
      RuntimeException f = failure;
      if (f != null && throwAtOnce) {
        throw f;
      }
      return f != null ? CompletableFuture.failedFuture(f) : CompletableFuture.completedFuture(value);
    }

    @Override
    public CompletableFuture<String> submit(JobPlan plan) {
      submitted.add(plan);
      // Complete later, on another thread, as the core does after its durable write.
      return CompletableFuture.supplyAsync(() -> "j" + submitted.size()).thenCompose(this::answer);
    }

    /** Watchers handed in with submitted plans, in order: a test plays the core through them. */
    final List<dev.shoal.orchestrator.internal.core.TaskWatcher> watchers = new CopyOnWriteArrayList<>();
    /** Tasks asked to be cancelled, as {@code job.task}. */
    final List<String> cancelledTasks = new CopyOnWriteArrayList<>();
    /** Signalled once per watcher submitted and per cancellation asked: tests wait on these, not on a timer. */
    final java.util.concurrent.Semaphore watcherAdded = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.Semaphore cancelAsked = new java.util.concurrent.Semaphore(0);

    @Override
    public CompletableFuture<String> submit(JobPlan plan, dev.shoal.orchestrator.internal.core.TaskWatcher watcher) {
      CompletableFuture<String> accepted = submit(plan);
      watchers.add(watcher);
      watcherAdded.release();
      return plan.jobId() == null ? accepted : accepted.thenApply(id -> plan.jobId());
    }

    @Override
    public CompletableFuture<List<WorkerStatus>> workers(boolean includeOffline) {
      return workers();
    }

    @Override
    public String workerName(String peerId) {
      return "";
    }

    @Override
    public String newJobId() {
      return "j" + (submitted.size() + 1);
    }

    @Override
    public CompletableFuture<Optional<JobStatus>> job(String jobId) {
      return answer(Optional.ofNullable(jobs.get(jobId)));
    }

    @Override
    public CompletableFuture<List<JobStatus>> recentJobs(int limit) {
      return answer(jobs.values().stream().limit(limit).toList());
    }

    @Override
    public CompletableFuture<Optional<TaskStatus>> task(String jobId, String taskId) {
      return answer(Optional.ofNullable(tasks.get(jobId + "/" + taskId)));
    }

    @Override
    public CompletableFuture<Optional<JobOutcome>> outcome(String jobId) {
      return answer(Optional.ofNullable(outcomes.get(jobId)));
    }

    @Override
    public CompletableFuture<AssignOutcome> assign(String jobId, String taskId, String peerId, dev.shoal.orchestrator.internal.core.Actor by) {
      return answer(AssignOutcome.NOT_FOUND);
    }

    @Override
    public CompletableFuture<Optional<String>> serviceOf(String jobId, String taskId) {
      return answer(Optional.empty());
    }

    @Override
    public CompletableFuture<Optional<String>> owner(String jobId) {
      JobStatus s = jobs.get(jobId);
      return answer(s != null || tasks.keySet().stream().anyMatch(k -> k.startsWith(jobId + "."))
          ? Optional.of("") : Optional.empty());
    }

    @Override
    public CompletableFuture<CancelOutcome> cancel(String jobId, dev.shoal.orchestrator.internal.core.Actor by) {
      return answer(cancels.getOrDefault(jobId, CancelOutcome.NOT_FOUND));
    }

    @Override
    public CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId, dev.shoal.orchestrator.internal.core.Actor by) {
      cancelledTasks.add(jobId + "." + taskId);
      cancelAsked.release();
      return CompletableFuture.completedFuture(cancels.getOrDefault(jobId + "." + taskId, CancelOutcome.NOT_FOUND));
    }

    final Map<String, ConfirmOutcome> confirms = new ConcurrentHashMap<>();
    final List<LedgerEntry> ledger = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.Set<String> quarantined = ConcurrentHashMap.newKeySet();
    final java.util.Set<String> trusted = ConcurrentHashMap.newKeySet();

    @Override
    public CompletableFuture<PeerStanding> standing(String peerId) {
      return CompletableFuture.completedFuture(
          new PeerStanding(
              new Standing(peerId, 0, Map.of(), quarantined.contains(peerId), "", 0, 0, 0), trusted.contains(peerId)));
    }

    @Override
    public CompletableFuture<List<LedgerEntry>> ledger(String peerId, long afterSeq, int limit) {
      return CompletableFuture.completedFuture(
          ledger.stream()
              .filter(e -> e.seq() > afterSeq && (peerId == null || e.subject().equals(peerId)))
              .limit(limit)
              .toList());
    }

    @Override
    public CompletableFuture<LedgerEntry.ChainCheck> verifyLedger() {
      return CompletableFuture.completedFuture(LedgerEntry.verifyChain(ledger, 0, LedgerEntry.GENESIS));
    }

    @Override
    public CompletableFuture<LedgerEntry> rate(LedgerEntry rating) {
      LedgerEntry placed =
          rating.at(ledger.size() + 1, ledger.isEmpty() ? LedgerEntry.GENESIS : ledger.getLast().hash());
      ledger.add(placed);
      return CompletableFuture.completedFuture(placed);
    }

    @Override
    public CompletableFuture<Boolean> liftQuarantine(String peerId) {
      return CompletableFuture.completedFuture(quarantined.remove(peerId));
    }

    @Override
    public CompletableFuture<Void> setTrusted(String peerId, boolean trust) {
      if (trust) {
        trusted.add(peerId);
      } else {
        trusted.remove(peerId);
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<ConfirmOutcome> confirm(String jobId, String taskId, int attempt, dev.shoal.orchestrator.internal.core.Actor by) {
      return CompletableFuture.completedFuture(
          confirms.getOrDefault(jobId + "." + taskId + "#" + attempt, ConfirmOutcome.NOT_FOUND));
    }

    @Override
    public CompletableFuture<Optional<JobStatus>> whenFinished(String jobId) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public CompletableFuture<List<WorkerStatus>> workers() {
      return answer(List.copyOf(workers));
    }
  }

  // ---------------------------------------------------------------- helpers

  private record Response(int status, JsonNode body, HttpResponse<String> raw) {}

  private Response send(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).timeout(Duration.ofSeconds(20));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.body().isEmpty() ? null : MAPPER.readTree(r.body());
    return new Response(r.statusCode(), json, r);
  }

  private Response get(String path) throws IOException, InterruptedException {
    return send("GET", path, null);
  }

  private static void assertError(Response r, int status, String code, String messagePart) {
    assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(r.body().size()).as("only the envelope").isEqualTo(1);
    assertThat(r.body().path("error").path("code").asText()).isEqualTo(code);
    assertThat(r.body().path("error").path("message").asText()).contains(messagePart);
  }

  private static JobStatus status(String id, String kind, JobState state, String error) {
    Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      counts.put(s, 0);
    }
    counts.put(TaskState.SUCCEEDED, 3);
    counts.put(TaskState.RUNNING, state == JobState.RUNNING ? 1 : 0);
    return new JobStatus(id, kind, state, 1_000, state.isTerminal() ? 2_000 : 0, 4, counts, 5, 1, error, "");
  }

  private static ResultDescriptor result(Tensor... outputs) {
    ResultDescriptor.Builder r = ResultDescriptor.newBuilder().setStatus(ResultStatus.RESULT_STATUS_OK);
    for (Tensor t : outputs) {
      r.addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(t)));
    }
    return r.build();
  }

  private static final String ADD_JOB =
      """
      {"tasks": [{"id": "a", "operator": "tensor.add@1",
                  "inputs": [{"dtype": "float32", "shape": [2], "values": [1, 2]},
                             {"dtype": "float32", "shape": [2], "values": [3, 4]}]}]}
      """;

  // ---------------------------------------------------------------- happy paths

  @Test
  void health() throws Exception {
    Response r = get("/v1/health");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(MAPPER.readTree("{\"status\":\"ok\"}"));
  }

  private static WorkerStatus worker(String peer, String operator, String model, int capacity, int reserved, boolean online) {
    NodeDescriptor d =
        NodeDescriptor.newBuilder().setPeerId(peer).setName(peer).addOperators(operator).addModels(model).build();
    return new WorkerStatus(
        d, capacity, reserved, Load.getDefaultInstance(), false, 1, 2, "1.1.0",
        new Standing(peer, 0, Map.of(), false, "", 0, 0, 0), false, online);
  }

  @Test
  void filtersWorkersByOperatorModelAndAvailability() throws Exception {
    jobs.workers.add(worker("a", "llm.chat@1", "Llama3.2", 2, 2, true));
    jobs.workers.add(worker("b", "llm.chat@1", "qwen", 2, 0, true));
    jobs.workers.add(worker("c", "tensor.add@1", "", 2, 0, true));

    assertThat(peers(get("/v1/workers?operator=llm.chat@1"))).containsExactly("a", "b");
    assertThat(peers(get("/v1/workers?model=llama3.2"))).containsExactly("a");
    assertThat(peers(get("/v1/workers?operator=llm.chat@1&available=true"))).containsExactly("b");
    assertThat(peers(get("/v1/workers?model=nope"))).isEmpty();
    Response bad = get("/v1/workers?available=maybe");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().get("error").get("message").asText()).contains("available must be true or false");
  }

  private static List<String> peers(Response r) {
    List<String> out = new java.util.ArrayList<>();
    r.body().get("workers").forEach(w -> out.add(w.get("peer_id").asText()));
    return out;
  }

  @Test
  void listsWorkers() throws Exception {
    NodeDescriptor d =
        NodeDescriptor.newBuilder()
            .setPeerId("peer1")
            .setPublicKey(ByteString.copyFrom(new byte[32]))
            .setName("box")
            .setHardware(
                Hardware.newBuilder()
                    .setArch("amd64")
                    .setOs("linux")
                    .setCores(8)
                    .setMemoryBytes(1L << 34)
                    .addAccelerators(Accelerator.newBuilder().setKind("gpu").setModel("t4").setMemoryBytes(1L << 34)))
            .addOperators("tensor.add@1")
            .addOperators("tensor.matmul@1")
            .addModels("tiny")
            .addServices("batch")
            .setOwner("ml-team")
            .setMaxConcurrentTasks(4)
            .build();
    jobs.workers.add(
        new WorkerStatus(
            d, 4, 1, Load.newBuilder().setCpuLoad(0.25).build(), false, 10, 20, "1.0.0",
            new Standing("peer1", -6.5, Map.of("invalid_result", 2), true, "two lies", 15, 615, 20), false));

    Response r = get("/v1/workers");

    assertThat(r.status()).isEqualTo(200);
    JsonNode w = r.body().get("workers").get(0);
    assertThat(w.get("peer_id").asText()).isEqualTo("peer1");
    assertThat(w.get("name").asText()).isEqualTo("box");
    assertThat(w.get("owner").asText()).isEqualTo("ml-team");
    assertThat(w.get("online").asBoolean()).isTrue();
    JsonNode hw = w.get("hardware");
    assertThat(hw.get("arch").asText()).isEqualTo("amd64");
    assertThat(hw.get("os").asText()).isEqualTo("linux");
    assertThat(hw.get("cores").asInt()).isEqualTo(8);
    assertThat(hw.get("memory_bytes").asLong()).isEqualTo(1L << 34);
    assertThat(hw.get("accelerators").get(0).get("kind").asText()).isEqualTo("gpu");
    assertThat(w.get("operators")).hasSize(2);
    assertThat(w.get("models").get(0).asText()).isEqualTo("tiny");
    assertThat(w.get("services").get(0).asText()).isEqualTo("batch");
    assertThat(w.get("load").get("current").asInt()).isEqualTo(1);
    assertThat(w.get("load").get("max").asInt()).isEqualTo(4);
    assertThat(w.get("free_slots").asInt()).isEqualTo(3);
    assertThat(w.get("cpu_load").asDouble()).isEqualTo(0.25);
    assertThat(w.get("draining").asBoolean()).isFalse();
    assertThat(w.get("connected_at").asLong()).isEqualTo(10);
    assertThat(w.get("last_seen").asLong()).isEqualTo(20);
    assertThat(w.get("protocol_version").asText()).isEqualTo("1.0.0");
    assertThat(w.get("reputation"))
        .isEqualTo(
            MAPPER.readTree(
                """
                {"score": -6.5, "trusted": false, "quarantined": true,
                 "quarantine": {"reason": "two lies", "since": 15, "until": 615}, "counts": {"invalid_result": 2}}
                """));
  }

  @Test
  void reputationRoutesCheckTheirInputAndSpeakTheErrorEnvelope() throws Exception {
    KeyPair client = Ed25519.generate();
    String worker = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));
    LedgerEntry rating = LedgerEntry.sign(client, worker, "rating", -1, "wrong twice", 5_000);
    HexFormat hex = HexFormat.of();
    String body =
        MAPPER.createObjectNode()
            .put("author", hex.formatHex(rating.author()))
            .put("score", -1)
            .put("comment", "wrong twice")
            .put("at", 5_000)
            .put("signature", hex.formatHex(rating.signature()))
            .toString();

    Response rated = send("POST", "/v1/peers/" + worker + "/ratings", body);
    assertThat(rated.status()).isEqualTo(201);
    assertThat(rated.body().get("seq").asLong()).isEqualTo(1);
    assertThat(rated.body().get("kind").asText()).isEqualTo("rating");
    assertThat(rated.body().get("hash").asText()).hasSize(64);
    assertThat(jobs.ledger).singleElement().satisfies(e -> assertThat(e.signatureValid()).isTrue());

    assertError(
        send("POST", "/v1/peers/" + worker + "/ratings", body.replace("wrong twice", "right twice")), 400,
        "invalid_argument", "the signature does not verify");
    assertError(
        send("POST", "/v1/peers/" + worker + "/ratings", body.replace("\"score\":-1", "\"score\":5")), 400,
        "invalid_argument", "score must be in [-1, 1]");
    assertError(
        send("POST", "/v1/peers/" + worker + "/ratings", body.replace("\"at\"", "\"when\"")), 400,
        "invalid_argument", "when is not a known field");
    assertError(send("POST", "/v1/peers/nope/ratings", body), 400, "invalid_argument", "peer must be a worker's peer id");

    Response page = get("/v1/peers/" + worker + "/ledger?after=0&limit=1");
    assertThat(page.body().get("entries")).hasSize(1);
    assertThat(page.body().get("next_after").asLong()).isEqualTo(1);
    assertError(get("/v1/ledger?after=-1"), 400, "invalid_argument", "after must be a non-negative integer");

    Response verify = get("/v1/ledger/verify");
    assertThat(verify.body().get("ok").asBoolean()).isTrue();
    assertThat(verify.body().get("entries").asLong()).isEqualTo(1);

    assertError(send("POST", "/v1/peers/" + worker + "/quarantine/lift", null), 409, "conflict", "is not quarantined");
    jobs.quarantined.add(worker);
    Response lifted = send("POST", "/v1/peers/" + worker + "/quarantine/lift", null);
    assertThat(lifted.body().get("quarantined").asBoolean()).isFalse();

    assertThat(send("PUT", "/v1/trusted/" + worker, null).body().get("trusted").asBoolean()).isTrue();
    assertThat(get("/v1/peers/" + worker).body().get("trusted").asBoolean()).isTrue();
    assertThat(send("DELETE", "/v1/trusted/" + worker, null).body().get("trusted").asBoolean()).isFalse();
    assertThat(get("/v1/peers/" + worker).body().get("peer_id").asText()).isEqualTo(worker);
  }

  @Test
  void submitsAJob() throws Exception {
    Response r = send("POST", "/v1/jobs", ADD_JOB);

    assertThat(r.status()).isEqualTo(202);
    assertThat(r.raw().headers().firstValue("Location")).hasValue("/v1/jobs/j1");
    assertThat(r.body()).isEqualTo(MAPPER.readTree("{\"id\":\"j1\",\"state\":\"running\",\"tasks\":1}"));
    assertThat(jobs.submitted).singleElement().satisfies(p -> assertThat(p.tasks().get(0).taskId()).isEqualTo("a"));
  }

  @Test
  void showsAJobWithProgress() throws Exception {
    jobs.jobs.put("j7", status("j7", "tasks", JobState.RUNNING, null));

    Response r = get("/v1/jobs/j7");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            MAPPER.readTree(
                """
                {"id": "j7", "kind": "tasks", "state": "running", "created_at": 1000, "finished_at": null,
                 "tasks": {"total": 4, "waiting": 0, "ready": 0, "running": 1, "validating": 0, "awaiting_confirmation": 0,
                           "succeeded": 3, "failed": 0, "cancelled": 0, "expired": 0},
                 "attempts": 5, "retries": 1, "error": null}
                """));
  }

  @Test
  void listsRecentJobs() throws Exception {
    jobs.jobs.put("j1", status("j1", "tasks", JobState.SUCCEEDED, null));
    jobs.jobs.put("j2", status("j2", "matmul", JobState.FAILED, "boom"));

    Response all = get("/v1/jobs");
    Response one = get("/v1/jobs?limit=1");

    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body().get("jobs")).hasSize(2);
    assertThat(one.body().get("jobs")).hasSize(1);
    assertError(get("/v1/jobs?limit=0"), 400, "invalid_argument", "limit must be an integer in 1..1000");
    assertError(get("/v1/jobs?limit=1001"), 400, "invalid_argument", "limit");
    assertError(get("/v1/jobs?limit=ten"), 400, "invalid_argument", "limit");
  }

  @Test
  void returnsTheResultOfASucceededJob() throws Exception {
    Tensor out = Tensor.float32(Shape.of(2), new float[] {4, 6});
    jobs.outcomes.put(
        "j3",
        new JobOutcome(
            status("j3", "tasks", JobState.SUCCEEDED, null),
            "{}".getBytes(),
            List.of(new JobOutcome.TaskOutcome("a", TaskState.SUCCEEDED, result(out), null))));

    Response data = get("/v1/jobs/j3/result");
    Response values = get("/v1/jobs/j3/result?format=values");

    assertThat(data.status()).isEqualTo(200);
    assertThat(data.body().get("job_id").asText()).isEqualTo("j3");
    JsonNode tensor = data.body().get("tasks").get(0).get("outputs").get(0);
    assertThat(TensorJson.parse(tensor, "t").toFloatArray()).containsExactly(4f, 6f);
    assertThat(tensor.has("data")).isTrue();
    assertThat(values.body().get("tasks").get(0).get("outputs").get(0).get("values"))
        .isEqualTo(MAPPER.readTree("[4.0, 6.0]"));
    assertError(get("/v1/jobs/j3/result?format=xml"), 400, "invalid_argument", "format");
  }

  @Test
  void resultWhileRunningIsNotFinishedAndAfterFailureIsConflict() throws Exception {
    jobs.outcomes.put("run", new JobOutcome(status("run", "tasks", JobState.RUNNING, null), "{}".getBytes(), List.of()));
    jobs.outcomes.put(
        "bad", new JobOutcome(status("bad", "tasks", JobState.FAILED, "task x failed: boom"), "{}".getBytes(), List.of()));

    assertError(get("/v1/jobs/run/result"), 409, "not_finished", "job run is still running (3 of 4 tasks finished; ?partial=true shows what has)");
    assertError(get("/v1/jobs/bad/result"), 409, "conflict", "job bad ended failed: task x failed: boom");
    assertError(get("/v1/jobs/nope/result"), 404, "not_found", "no job nope");
  }

  @Test
  void partialResultsShowWhatCompletedWhileTheJobRunsAndAfterItFails() throws Exception {
    Tensor out = Tensor.float32(Shape.of(2), new float[] {4, 6});
    List<JobOutcome.TaskOutcome> parts =
        List.of(
            new JobOutcome.TaskOutcome("a", TaskState.SUCCEEDED, result(out), null),
            new JobOutcome.TaskOutcome("b", TaskState.WAITING, null, null));
    jobs.outcomes.put("run", new JobOutcome(status("run", "matmul", JobState.RUNNING, null), "{}".getBytes(), parts));
    List<JobOutcome.TaskOutcome> failed =
        List.of(parts.getFirst(), new JobOutcome.TaskOutcome("b", TaskState.FAILED, null, "input task x failed"));
    jobs.outcomes.put(
        "bad", new JobOutcome(status("bad", "tasks", JobState.FAILED, "task x failed: boom"), "{}".getBytes(), failed));

    Response running = get("/v1/jobs/run/result?partial=true&format=values");
    Response bad = get("/v1/jobs/bad/result?partial=true&format=values");

    assertThat(running.status()).isEqualTo(200);
    assertThat(running.body())
        .isEqualTo(
            MAPPER.readTree(
                """
                {"job_id": "run", "state": "running", "partial": true, "tasks": [
                  {"id": "a", "state": "succeeded", "outputs": [{"dtype": "float32", "shape": [2], "values": [4.0, 6.0]}],
                   "error": null},
                  {"id": "b", "state": "waiting", "outputs": [], "error": null}]}
                """));
    assertThat(bad.body().get("tasks").get(1).get("error").asText()).isEqualTo("input task x failed");
    assertThat(bad.body().get("tasks").get(0).get("outputs")).hasSize(1);
  }

  @Test
  void showsATaskWithAttemptsAndOutputs() throws Exception {
    Tensor out = Tensor.int32(Shape.of(1), new int[] {7});
    jobs.tasks.put(
        "j4/x.y",
        new TaskStatus(
            "j4", "x.y", 2, "tensor.add@1", TaskState.SUCCEEDED, 1, 3, null,
            List.of(
                new AttemptStatus(1, "p1", AttemptState.TIMED_OUT, 100, 200, "timed out"),
                new AttemptStatus(2, "p2", AttemptState.COMPLETED, 300, 400, "")),
            result(out),
            "quorum(2 of 3)",
            new Acceptance(
                "quorum(2 of 3)", "quorum", 2, "p2", List.of("p3"),
                List.of(
                    new Acceptance.Entry(2, "p2", "sampled_recompute", 0, 32, true, ""),
                    new Acceptance.Entry(3, "p3", "agreement", 0, 0, true, "with attempt 2"))),
            List.of()));

    Response r = get("/v1/tasks/j4.x.y?format=values");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            MAPPER.readTree(
                """
                {"id": "j4.x.y", "job_id": "j4", "task_id": "x.y", "index": 2, "operator": "tensor.add@1",
                 "state": "succeeded", "retries_used": 1, "max_attempts": 3, "error": null,
                 "attempts": [
                   {"attempt": 1, "peer_id": "p1", "state": "timed_out", "dispatched_at": 100, "ended_at": 200,
                    "detail": "timed out"},
                   {"attempt": 2, "peer_id": "p2", "state": "completed", "dispatched_at": 300, "ended_at": 400,
                    "detail": ""}],
                 "acceptance_policy": "quorum(2 of 3)",
                 "acceptance": {"policy": "quorum(2 of 3)", "decided_by": "quorum", "attempt": 2, "peer_id": "p2",
                   "agreeing": ["p3"],
                   "checks": [
                     {"attempt": 2, "peer_id": "p2", "method": "sampled_recompute", "samples": 32, "outcome": "passed"},
                     {"attempt": 3, "peer_id": "p3", "method": "agreement", "outcome": "passed", "detail": "with attempt 2"}]},
                 "outputs": [{"dtype": "int32", "shape": [1], "values": [7]}]}
                """));
    assertError(get("/v1/tasks/j4.zzz"), 404, "not_found", "no task zzz in job j4");
    assertError(get("/v1/tasks/j4"), 400, "invalid_argument", "task id must be {job_id}.{task_id}");
    assertError(get("/v1/tasks/j4.-x"), 400, "invalid_argument", "task id must be");
  }

  @Test
  void listsKeptResultsAndConfirmsOne() throws Exception {
    Tensor out = Tensor.int32(Shape.of(1), new int[] {7});
    jobs.tasks.put(
        "j7/t",
        new TaskStatus(
            "j7", "t", 0, "tensor.add@1", TaskState.AWAITING_CONFIRMATION, 0, 3, null,
            List.of(new AttemptStatus(1, "p1", AttemptState.COMPLETED, 100, 200, "")),
            null, "manual", null,
            List.of(
                new TaskStatus.CandidateStatus(
                    1, "p1", result(out), List.of(new Check("sampled_recompute", 0, 8, true, ""))))));
    jobs.confirms.put("j7.t#1", ConfirmOutcome.CONFIRMED);
    jobs.confirms.put("j7.t#2", ConfirmOutcome.NO_SUCH_RESULT);
    jobs.confirms.put("j7.u#1", ConfirmOutcome.NOT_AWAITING);

    Response listed = get("/v1/tasks/j7.t/results?format=values");
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body())
        .isEqualTo(
            MAPPER.readTree(
                """
                {"id": "j7.t", "state": "awaiting_confirmation", "acceptance_policy": "manual",
                 "results": [{"attempt": 1, "peer_id": "p1",
                   "checks": [{"method": "sampled_recompute", "samples": 8, "outcome": "passed"}],
                   "outputs": [{"dtype": "int32", "shape": [1], "values": [7]}]}]}
                """));

    Response confirmed = send("POST", "/v1/tasks/j7.t/confirm", "{\"attempt\": 1}");
    assertThat(confirmed.status()).isEqualTo(200);
    assertThat(confirmed.body()).isEqualTo(MAPPER.readTree("{\"id\":\"j7.t\",\"state\":\"succeeded\",\"attempt\":1}"));
    assertError(
        send("POST", "/v1/tasks/j7.t/confirm", "{\"attempt\": 2}"), 400, "invalid_argument",
        "keeps no valid result of attempt 2");
    assertError(
        send("POST", "/v1/tasks/j7.u/confirm", "{\"attempt\": 1}"), 409, "conflict", "is not awaiting a confirmation");
    assertError(send("POST", "/v1/tasks/j7.v/confirm", "{\"attempt\": 1}"), 404, "not_found", "no task v in job j7");
    assertError(send("POST", "/v1/tasks/j7.t/confirm", "{\"attempt\": 0}"), 400, "invalid_argument", "body must be");
    assertError(
        send("POST", "/v1/tasks/j7.t/confirm", "{\"attempt\": 1, \"x\": 2}"), 400, "invalid_argument", "body must be");
    assertError(get("/v1/tasks/j7.zz/results"), 404, "not_found", "no task zz in job j7");
  }

  @Test
  void cancelsAJob() throws Exception {
    jobs.cancels.put("j5", CancelOutcome.CANCELLED);
    jobs.cancels.put("j6", CancelOutcome.ALREADY_FINISHED);

    Response r = send("POST", "/v1/jobs/j5/cancel", null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(MAPPER.readTree("{\"id\":\"j5\",\"state\":\"cancelled\"}"));
    assertError(send("POST", "/v1/jobs/j6/cancel", null), 409, "conflict", "job j6 has already finished");
    assertError(send("POST", "/v1/jobs/j0/cancel", null), 404, "not_found", "no job j0");
  }

  @Test
  void cancelsOneTask() throws Exception {
    jobs.cancels.put("j5.t1", CancelOutcome.CANCELLED);
    jobs.cancels.put("j5.t2", CancelOutcome.ALREADY_FINISHED);

    Response r = send("POST", "/v1/tasks/j5.t1/cancel", null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(MAPPER.readTree("{\"id\":\"j5.t1\",\"state\":\"cancelled\"}"));
    assertError(send("POST", "/v1/tasks/j5.t2/cancel", null), 409, "conflict", "task j5.t2 has already finished");
    assertError(send("POST", "/v1/tasks/j5.t9/cancel", null), 404, "not_found", "no task t9 in job j5");
    assertError(send("POST", "/v1/tasks/j5/cancel", null), 400, "invalid_argument", "task id must be");
  }

  // ---------------------------------------------------------------- errors

  @Test
  void unknownJobIsNotFound() throws Exception {
    assertError(get("/v1/jobs/j404"), 404, "not_found", "no job j404");
  }

  @Test
  void badIdsAreRefusedBeforeUse() throws Exception {
    assertError(get("/v1/jobs/-bad"), 400, "invalid_argument", "job id must be 1..64 characters");
    assertError(get("/v1/jobs/" + "x".repeat(65)), 400, "invalid_argument", "job id");
    assertError(get("/v1/jobs/a%20b"), 400, "invalid_argument", "job id");
    assertError(send("POST", "/v1/jobs/a%24/cancel", null), 400, "invalid_argument", "job id");
  }

  @Test
  void unknownRoutesAndMethodsGetTheEnvelope() throws Exception {
    assertError(get("/v1/nothing-here"), 404, "not_found", "no route GET /v1/nothing-here");
    assertError(get("/"), 404, "not_found", "no route");
    assertError(send("DELETE", "/v1/jobs", null), 405, "method_not_allowed", "method not allowed: DELETE /v1/jobs");
    assertError(send("PUT", "/v1/health", "{}"), 405, "method_not_allowed", "PUT /v1/health");
  }

  @Test
  void malformedJsonIsInvalidArgument() throws Exception {
    assertError(send("POST", "/v1/jobs", "{\"tasks\": ["), 400, "invalid_argument", "not valid JSON");
    assertError(send("POST", "/v1/jobs", "not json at all"), 400, "invalid_argument", "not valid JSON");
    assertError(send("POST", "/v1/jobs", "{} {}"), 400, "invalid_argument", "not valid JSON");
    assertError(send("POST", "/v1/jobs", "{\"tasks\": [], \"tasks\": []}"), 400, "invalid_argument", "not valid JSON");
    assertError(send("POST", "/v1/jobs", ""), 400, "invalid_argument", "empty");
    assertThat(jobs.submitted).isEmpty();
  }

  @Test
  void invalidPlansNameThePath() throws Exception {
    String bad = ADD_JOB.replace("\"values\": [3, 4]", "\"values\": [3]");

    assertError(send("POST", "/v1/jobs", bad), 400, "invalid_argument", "tasks[0].inputs[1].values has 1 values");
    assertThat(jobs.submitted).isEmpty();
  }

  @Test
  void bodiesOverTheLimitAreTooLarge() throws Exception {
    String huge = "{\"tasks\": [], \"pad\": \"" + "x".repeat((int) MAX_BODY) + "\"}";

    assertError(send("POST", "/v1/jobs", huge), 413, "payload_too_large", "exceeds " + MAX_BODY + " bytes");
    assertThat(jobs.submitted).isEmpty();
  }

  @Test
  void chunkedBodiesOverTheLimitAreTooLarge() throws Exception {
    byte[] huge = ("{\"pad\": \"" + "x".repeat((int) MAX_BODY) + "\"}").getBytes();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/jobs"))
            // A publisher of unknown length makes the client send the body chunked.
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge)))
            .build();

    HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(MAPPER.readTree(r.body()).path("error").path("code").asText()).isEqualTo("payload_too_large");
  }

  @Test
  void unavailableCoreIsRetryLater() throws Exception {
    jobs.failure = new JobService.Unavailable("the orchestrator is not accepting jobs now");

    Response r = send("POST", "/v1/jobs", ADD_JOB);

    assertError(r, 503, "unavailable", "not accepting jobs");
    assertThat(r.raw().headers().firstValue("Retry-After")).hasValue("1");
  }

  @Test
  void unavailableThrownAtOnceIsStillRetryLater() throws Exception {
    jobs.failure = new JobService.Unavailable("store failed");
    jobs.throwAtOnce = true;

    Response r = get("/v1/jobs/j1");

    assertError(r, 503, "unavailable", "store failed");
    assertThat(r.raw().headers().firstValue("Retry-After")).hasValue("1");
  }

  @Test
  void unexpectedFailuresAreInternalWithoutDetail() throws Exception {
    jobs.failure = new IllegalStateException("secret detail from deep inside");

    Response r = get("/v1/jobs/j1");

    assertError(r, 500, "internal", "the server failed to handle the request");
    assertThat(r.raw().body()).doesNotContain("secret").doesNotContain("Exception");
  }

  @Test
  void manyConcurrentSubmissionsAllComplete() throws Exception {
    // Many concurrent submissions against a core that answers late all complete.
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      pending.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/jobs"))
                  .POST(HttpRequest.BodyPublishers.ofString(ADD_JOB))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> p : pending) {
      assertThat(p.get().statusCode()).isEqualTo(202);
    }
    assertThat(jobs.submitted).hasSize(50);
  }
}
