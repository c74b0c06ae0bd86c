package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.Ed25519;
import dev.shoal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK against a real orchestrator and a real worker, on the routes the orchestrator has
 * today: jobs, tasks of jobs, workers, reputation and the ledger, and the error envelope.
 */
class ShoalClientTest {

  private static LiveMesh mesh;
  private static ShoalClient client;
  private static Worker worker;

  @BeforeAll
  static void start() {
    mesh = LiveMesh.start(c -> c.maxRequestBytes(64 << 10));
    client = mesh.client();
    worker = mesh.addWorker("sdk-test-worker");
  }

  @AfterAll
  static void stop() {
    mesh.close();
  }

  // ---------------------------------------------------------------- happy paths

  @Test
  void aJobOfTasksRunsOnTheWorkerAndItsTasksCanBeRead() {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {1, 2});
    Tensor y = Tensor.float32(Shape.of(2), new float[] {10, 20});

    String job = client.jobs().submit(JobRequest.tasks(List.of(TaskSpec.of("tensor.add@1", x, y).withId("sum"))));
    JobInfo done = client.jobs().await(job, Duration.ofSeconds(30));

    assertThat(done.succeeded()).isTrue();
    assertThat(client.jobs().get(job).tasks().succeeded()).isEqualTo(1);
    assertThat(client.jobs().list(10)).extracting(JobInfo::id).contains(job);
    TaskInfo task = client.tasks().status(job + ".sum");
    assertThat(task.state()).isEqualTo("succeeded");
    assertThat(task.attempts()).isNotEmpty().allSatisfy(a -> assertThat(a.peerId()).isEqualTo(worker.peerId()));
    assertThat(task.outputs()).singleElement().satisfies(t -> assertThat(t.tensor().toFloatArray()).containsExactly(11f, 22f));
    JsonNode result = client.jobs().result(job);
    assertThat(result.path("state").asText()).isEqualTo("succeeded");
  }

  @Test
  void aMatmulComesBackAsOneTensor() {
    Tensor a = Tensor.float32(Shape.of(2, 2), new float[] {1, 2, 3, 4});
    Tensor b = Tensor.float32(Shape.of(2, 2), new float[] {5, 6, 7, 8});

    String job = client.jobs().submitMatmul(a, b, 1);
    assertThat(client.jobs().await(job, Duration.ofSeconds(30)).succeeded()).isTrue();

    assertThat(client.jobs().resultTensor(job).toFloatArray()).containsExactly(19f, 22f, 43f, 50f);
  }

  @Test
  void workersAreListedWithTheirMetadata() {
    List<WorkerInfo> all = client.workers().list(WorkerFilter.operator("tensor.add@1"));

    assertThat(all)
        .filteredOn(w -> w.peerId().equals(worker.peerId()))
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.name()).isEqualTo("sdk-test-worker");
              assertThat(w.online()).isTrue();
              assertThat(w.load().max()).isEqualTo(2);
              assertThat(w.hardware().cores()).isPositive();
              assertThat(w.hardware().memoryBytes()).isPositive();
              assertThat(w.operators()).contains("tensor.add@1", "tensor.matmul@1");
              assertThat(w.reputation().quarantined()).isFalse();
              assertThat(w.protocolVersion()).isNotEmpty();
            });
  }

  @Test
  void workersCanBeFilteredByAvailabilityAndIncludeThoseGoneOffline() {
    try (LiveMesh own = LiveMesh.start()) {
      ShoalClient c = own.client();
      Worker leaving = own.addWorker("leaving");
      assertThat(c.workers().list(WorkerFilter.ALL.onlyAvailable())).extracting(WorkerInfo::peerId).containsExactly(leaving.peerId());
      assertThat(c.workers().list(WorkerFilter.operator("no.such.operator@1"))).isEmpty();

      leaving.shutdownNow();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> c.workers().list().isEmpty());

      assertThat(c.workers().list(WorkerFilter.ALL.withOffline()))
          .singleElement()
          .satisfies(w -> {
            assertThat(w.peerId()).isEqualTo(leaving.peerId());
            assertThat(w.online()).isFalse();
            assertThat(w.available()).isFalse();
          });
    }
  }

  @Test
  void reputationLedgerRatingsAndTrust() throws Exception {
    String peer = worker.peerId();
    var author = Ed25519.generate();

    LedgerEntryInfo rating = client.peers().rate(peer, -0.5, "slow today", author);

    assertThat(rating.subject()).isEqualTo(peer);
    assertThat(rating.kind()).isEqualTo("rating");
    assertThat(client.peers().ledger(peer, 0, 100).entries()).extracting(LedgerEntryInfo::seq).contains(rating.seq());
    assertThat(client.peers().ledger(0, 1000).entries()).extracting(LedgerEntryInfo::seq).contains(rating.seq());
    assertThat(client.peers().verify().ok()).isTrue();
    assertThat(client.peers().get(peer).counts()).containsKey("rating");

    client.peers().trust(peer);
    assertThat(client.peers().get(peer).trusted()).isTrue();
    client.peers().untrust(peer);
    assertThat(client.peers().get(peer).trusted()).isFalse();
    assertThatThrownBy(() -> client.peers().liftQuarantine(peer))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.status()).isEqualTo(409));
  }

  // ---------------------------------------------------------------- the error envelope, from the real thing

  @Test
  void anUnknownJobIsNotFound() {
    assertThatThrownBy(() -> client.jobs().get("nosuchjob"))
        .isExactlyInstanceOf(NotFoundException.class)
        .satisfies(e -> assertThat(((ShoalException) e).code()).isEqualTo("not_found"))
        .satisfies(e -> assertThat(((ShoalException) e).status()).isEqualTo(404))
        .satisfies(e -> assertThat(((ShoalException) e).retryable()).isFalse());
    assertThatThrownBy(() -> client.tasks().status("nosuchjob.t0000")).isExactlyInstanceOf(NotFoundException.class);
  }

  @Test
  void aMalformedJobIsAnInvalidArgument() {
    assertThatThrownBy(() -> client.jobs().submitJson("{\"tasks\": 5}"))
        .isInstanceOfSatisfying(
            InvalidArgumentException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void aResultAskedForTooEarlyIsARetryableConflictAndCancellingTwiceIsNot() {
    // With no worker at all, the job waits.
    try (LiveMesh empty = LiveMesh.start()) {
      ShoalClient c = empty.client();
      String job = c.jobs().submitJson("{\"tasks\": [{\"operator\": \"shoal.noop@1\", \"inputs\": []}]}");

      assertThatThrownBy(() -> c.jobs().result(job))
          .isInstanceOfSatisfying(
              ConflictException.class,
              e -> {
                assertThat(e.notFinished()).isTrue();
                assertThat(e.retryable()).isTrue();
              });
      c.jobs().cancel(job);
      assertThatThrownBy(() -> c.jobs().cancel(job))
          .isInstanceOfSatisfying(
              ConflictException.class,
              e -> {
                assertThat(e.code()).isEqualTo("conflict");
                assertThat(e.retryable()).isFalse();
              });
    }
  }

  @Test
  void aBodyOverTheOrchestratorsCapIsPayloadTooLarge() {
    String big = "{\"tasks\": [], \"padding\": \"" + "x".repeat(100 << 10) + "\"}";

    assertThatThrownBy(() -> client.jobs().submitJson(big))
        .isInstanceOfSatisfying(PayloadTooLargeException.class, e -> assertThat(e.status()).isEqualTo(413));
  }

  @Test
  void asyncFuturesFailWithTheExceptionItself() throws Exception {
    var future = client.async().jobs().get("nosuchjob");

    assertThat(future.handle((v, e) -> e).get()).isExactlyInstanceOf(NotFoundException.class);
    assertThatThrownBy(future::join).isInstanceOf(CompletionException.class).hasCauseExactlyInstanceOf(NotFoundException.class);
    assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class).hasCauseExactlyInstanceOf(NotFoundException.class);
  }

  @Test
  void anOrchestratorThatIsGoneIsAConnectionFailure() {
    try (LiveMesh gone = LiveMesh.start()) {
      ShoalClient c = gone.client();
      gone.stopOrchestrator();

      assertThatThrownBy(() -> c.jobs().list(1))
          .isInstanceOfSatisfying(
              ConnectionException.class,
              e -> {
                assertThat(e.status()).isZero();
                assertThat(e.code()).isEqualTo("connection_failed");
                assertThat(e.retryable()).isTrue();
                assertThat(e.getMessage()).contains("cannot reach the orchestrator").contains("GET /v1/jobs");
              });
    }
  }
}
