package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PeerIds;
import dev.shoal.testkit.StandInLlmServer;
import dev.shoal.worker.Worker;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK on API.md's task routes, against a real orchestrator and real workers: two with the
 * tensor operators, two serving a model from the stand-in LLM server (a model server is outside
 * the system), and the second of those also running an allowlisted command that leaves files.
 */
class TaskRoutesTest {

  private static final String MODEL = "llama3.2";
  /** Echoes stdin and leaves two files, one in a folder, as a task's artifacts. */
  private static final List<String> REPORT =
      List.of("sh", "-c", "mkdir -p \"$SHOAL_OUTPUT_DIR/report\" && printf '# Leave policy' > \"$SHOAL_OUTPUT_DIR/report/policy.md\""
          + " && printf 'a,b' > \"$SHOAL_OUTPUT_DIR/table.csv\" && cat");

  private static StandInLlmServer llm;
  private static LiveMesh mesh;
  private static ShoalClient client;
  private static Worker first;
  private static Worker second;
  private static Worker gpu1;
  private static Worker gpu2;

  private static final Tensor X = Tensor.float32(Shape.of(2), new float[] {1, 2});
  private static final Tensor Y = Tensor.float32(Shape.of(2), new float[] {10, 20});

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    llm = StandInLlmServer.start(StandInLlmServer.Options.of(MODEL), 0);
    mesh = LiveMesh.start();
    client = mesh.client();
    first = mesh.addWorker("tensors-1");
    second = mesh.addWorker("tensors-2");
    gpu1 = mesh.addWorker("gpu-1", w -> w.models(List.of(MODEL)).llm(URI.create(llm.baseUrl()), null));
    gpu2 = mesh.addWorker("gpu-2", w -> w.models(List.of(MODEL)).llm(URI.create(llm.baseUrl()), null).command("report", REPORT)
        .command("fail", List.of("sh", "-c", "echo oops >&2; exit 3")));
  }

  @AfterAll
  static void stop() {
    mesh.close();
    llm.close();
  }

  private static TaskRequest add() {
    return TaskRequest.tensor("tensor.add@1", X, Y);
  }

  @Test
  void runReturnsTheCheckedResult() {
    TaskResult r = client.tasks().run(add());

    assertThat(r.succeeded()).isTrue();
    assertThat(r.operator()).isEqualTo("tensor.add@1");
    assertThat(r.outputs()).singleElement().satisfies(t -> assertThat(t.tensor().toFloatArray()).containsExactly(11f, 22f));
    assertThat(r.worker().peerId()).isIn(first.peerId(), second.peerId());
    assertThat(r.attempt()).isPositive();
    assertThat(client.tasks().status(r.id()).state()).isEqualTo("succeeded");
    assertThat(client.tasks().result(r.id()).outputs().getFirst().tensor().toFloatArray()).containsExactly(11f, 22f);
  }

  @Test
  void aChatRunsOnAModelServingWorker() {
    TaskResult r = client.tasks().run(TaskRequest.chat(MODEL, "say hello to the shoal"));

    assertThat(r.text()).isNotBlank();
    assertThat(r.model()).isEqualToIgnoringCase(MODEL);
    assertThat(r.finishReason()).isEqualTo("stop");
    assertThat(r.usage().totalTokens()).isPositive();
    assertThat(r.worker().peerId()).isIn(gpu1.peerId(), gpu2.peerId());
    assertThat(client.workers().list(WorkerFilter.model("LLAMA3.2"))).extracting(WorkerInfo::peerId)
        .containsExactlyInAnyOrder(gpu1.peerId(), gpu2.peerId());
  }

  @Test
  void aPinnedTaskRunsOnItsWorkerAndAnUnknownPinOrModelIsNotFound() {
    TaskResult r = client.tasks().run(add().withWorker(second.peerId()));
    String stranger = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));

    assertThat(r.worker().peerId()).isEqualTo(second.peerId());
    assertThat(r.worker().name()).isEqualTo("tensors-2");
    assertThatThrownBy(() -> client.tasks().run(add().withWorker(stranger)))
        .isInstanceOfSatisfying(WorkerNotFoundException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThatThrownBy(() -> client.tasks().run(TaskRequest.chat("no-such-model", "hi")))
        .isInstanceOf(ModelNotFoundException.class);
  }

  @Test
  void aStreamStartsSendsChunksAndEndsWithTheResultAndCanBeLeftEarly() {
    List<StreamEvent> events = new ArrayList<>();
    try (TaskStream stream = client.tasks().stream(TaskRequest.chat(MODEL, "stream a few words back please"))) {
      stream.forEach(events::add);
    }
    try (TaskStream early = client.tasks().stream(TaskRequest.chat(MODEL, "and leave"))) {
      assertThat(early.iterator().next()).isInstanceOf(StreamEvent.Started.class);
    }

    assertThat(events.getFirst()).isInstanceOfSatisfying(StreamEvent.Started.class, s -> assertThat(s.attempt()).isEqualTo(1));
    String streamed =
        events.stream().filter(StreamEvent.Chunk.class::isInstance).map(e -> ((StreamEvent.Chunk) e).text()).reduce("", String::concat);
    assertThat(events.getLast())
        .isInstanceOfSatisfying(StreamEvent.Result.class, r -> assertThat(r.result().text()).isEqualTo(streamed).isNotBlank());
    assertThat(events).filteredOn(StreamEvent.Chunk.class::isInstance).allSatisfy(
        c -> assertThat(((StreamEvent.Chunk) c).channel()).isEqualTo(StreamEvent.Channel.TOKENS));
    assertThat(client.workers().list()).hasSize(4);
  }

  @Test
  void anAsyncStreamDeliversOnDemand() throws Exception {
    BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    client.async().tasks().stream(TaskRequest.complete(MODEL, "once upon a time")).subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
        s.request(1);
      }

      @Override
      public void onNext(StreamEvent item) {
        signals.add(item);
      }

      @Override
      public void onError(Throwable t) {
        signals.add(t);
      }

      @Override
      public void onComplete() {
        signals.add("complete");
      }
    });

    assertThat(signals.poll(30, TimeUnit.SECONDS)).isInstanceOf(StreamEvent.Started.class);
    subscription[0].request(Long.MAX_VALUE);
    List<Object> rest = new ArrayList<>();
    for (Object s = signals.poll(30, TimeUnit.SECONDS); s != null && !"complete".equals(s); s = signals.poll(30, TimeUnit.SECONDS)) {
      rest.add(s);
    }
    assertThat(rest).last().isInstanceOf(StreamEvent.Result.class);
  }

  @Test
  void aProcessLeavesArtifactsThatComeBackOneByOneOrAsAFolder() throws IOException {
    TaskResult r = client.tasks().run(TaskRequest.process("report", "hello from stdin"));

    assertThat(r.text()).isEqualTo("hello from stdin");
    assertThat(r.exitCode()).isZero();
    assertThat(r.worker().peerId()).isEqualTo(gpu2.peerId());
    assertThat(r.artifacts()).extracting(TaskResult.Artifact::name).containsExactlyInAnyOrder("report/policy.md", "table.csv");
    assertThat(new String(client.tasks().artifact(r.id(), "report/policy.md"), StandardCharsets.UTF_8)).isEqualTo("# Leave policy");

    Path dir = tmp.resolve("artifacts");
    List<Path> files = client.tasks().downloadArtifacts(r.id(), dir);

    assertThat(files).containsExactlyInAnyOrder(dir.resolve("report/policy.md"), dir.resolve("table.csv"));
    assertThat(Files.readString(dir.resolve("table.csv"))).isEqualTo("a,b");
    assertThatThrownBy(() -> client.tasks().artifact(r.id(), "missing.txt")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aTaskThatFailsIsTaskFailedNamingTheTask() {
    assertThatThrownBy(() -> client.tasks().run(TaskRequest.process("fail", null).withMaxAttempts(1)))
        .isInstanceOfSatisfying(
            TaskFailedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.taskId()).isNotBlank();
              assertThat(client.tasks().status(e.taskId()).state()).isEqualTo("failed");
              assertThat(client.tasks().result(e.taskId()).error().code()).isEqualTo("task_failed");
            });
  }

  @Test
  void aQueuedTaskIsFollowedByIdToItsResult() {
    TaskHandle handle = client.tasks().submitAsync(add());

    assertThat(handle.state()).isEqualTo("queued");
    TaskResult r =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptionsMatching(e -> e instanceof ConflictException c && c.notFinished())
            .until(() -> client.tasks().result(handle.id()), TaskResult::succeeded);
    assertThat(r.outputs().getFirst().tensor().toFloatArray()).containsExactly(11f, 22f);
  }

  @Test
  void aQueuedTaskReportsItsEndToAWebhookReceiver() throws Exception {
    BlockingQueue<WebhookEvent> deliveries = new LinkedBlockingQueue<>();
    String secret = "a-secret-for-this-test-only";
    try (LiveMesh open = LiveMesh.start(c -> c.webhookAllowPrivate(true));
        WebhookReceiver receiver = WebhookReceiver.builder(secret, deliveries::add).host("127.0.0.1").path("/shoal").start()) {
      open.addWorker("hooked");
      ShoalClient c = open.client();

      TaskHandle handle =
          c.tasks().submitAsync(add().withWebhook(URI.create("http://127.0.0.1:" + receiver.port() + "/shoal"), secret));

      WebhookEvent e = deliveries.poll(30, TimeUnit.SECONDS);
      assertThat(e).as("the orchestrator's delivery").isNotNull();
      assertThat(e.type()).isEqualTo("task.finished");
      assertThat(e.task()).isEqualTo(handle.id());
      assertThat(e.state()).isEqualTo("succeeded");
      assertThat(c.tasks().result(handle.id()).outputs().getFirst().tensor().toFloatArray()).containsExactly(11f, 22f);
    }
  }

  @Test
  void aQueuedTaskCanBeCancelledOnce() {
    try (LiveMesh idle = LiveMesh.start()) {
      ShoalClient c = idle.client();
      // No worker: it stays queued.
      TaskHandle handle = c.tasks().submitAsync(add());

      c.tasks().cancel(handle.id());

      assertThat(c.tasks().status(handle.id()).state()).isEqualTo("cancelled");
      assertThatThrownBy(() -> c.tasks().cancel(handle.id())).isInstanceOf(ConflictException.class);
      TaskResult r = c.tasks().result(handle.id());
      assertThat(r.state()).isEqualTo("cancelled");
      assertThat(r.error().code()).isEqualTo("cancelled");
    }
  }

  @Test
  void aScatterOverRealWorkersFailsOverFromOneThatIsNotThere() {
    String gone = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));
    List<TaskRequest> batch =
        IntStream.range(0, 8)
            .mapToObj(i -> TaskRequest.tensor("tensor.add@1", X, Tensor.float32(Shape.of(2), new float[] {i, i})))
            .toList();

    List<ScatterResult> results =
        client.tasks().scatter(batch, ScatterOptions.DEFAULT.withPeerIds(List.of(gone, first.peerId(), second.peerId())).withMaxConcurrency(4));

    assertThat(results).hasSize(8).allSatisfy(r -> {
      assertThat(r.succeeded()).isTrue();
      assertThat(r.peerId()).isNotEqualTo(gone);
    });
    for (int i = 0; i < 8; i++) {
      assertThat(results.get(i).result().outputs().getFirst().tensor().toFloatArray()).containsExactly(1f + i, 2f + i);
    }
  }

  @Test
  void aScatterByModelFindsTheWorkersServingIt() {
    List<TaskRequest> prompts =
        IntStream.range(0, 6).mapToObj(i -> TaskRequest.builder(TaskRequest.LLM_COMPLETE).prompt("document " + i).build()).toList();

    List<ScatterResult> results = client.tasks().scatterByModel(prompts, MODEL, ScatterOptions.DEFAULT.withMaxConcurrency(3));
    List<ScatterResult> none = client.tasks().scatterByModel(prompts, "no-such-model", ScatterOptions.DEFAULT);

    assertThat(results).allSatisfy(r -> {
      assertThat(r.succeeded()).isTrue();
      assertThat(r.peerId()).isIn(gpu1.peerId(), gpu2.peerId());
    });
    assertThat(results.get(4).result().text()).isNotBlank();
    assertThat(none).allSatisfy(r -> assertThat(r.error()).isInstanceOf(ModelNotFoundException.class));
  }

  @Test
  void artifactsOfAnUnknownTaskAreNotFound() {
    assertThatThrownBy(() -> client.tasks().artifact("nosuchjob.t", "report.md")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.tasks().downloadArtifacts("nosuchjob.t", tmp.resolve("out"))).isInstanceOf(NotFoundException.class);
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
