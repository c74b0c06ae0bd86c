package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.JobInfo;
import dev.shoal.client.JobRequest;
import dev.shoal.client.Reputation;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.client.TaskSpec;
import dev.shoal.client.WorkerInfo;
import dev.shoal.operators.Attributes;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorComparison;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof of zero trust, with real processes: four honest workers and two byzantine ones
 * ({@code --byzantine}: gross garbage, errors just past tolerance, forged signatures, replays).
 * A 200-task job under first_valid with validation and another under quorum(2 of 3) both finish
 * with every accepted result checked against a local computation, and both liars end quarantined.
 */
class ByzantineIT {

  private static final int TASKS = 200;

  @TempDir Path dir;

  @Test
  void noWrongResultIsAcceptedUnderEitherPolicyAndBothLiarsAreQuarantined() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(dir.resolve("data"), 0, 0);
      for (int i = 1; i <= 4; i++) {
        mesh.worker(orch, "honest-" + i, 2);
      }
      mesh.worker(orch, "liar-1", 2, "--byzantine");
      mesh.worker(orch, "liar-2", 2, "--byzantine");
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 6);
        List<String> liars =
            client.workers().list().stream().filter(w -> w.name().startsWith("liar")).map(WorkerInfo::peerId).toList();

        Work first = work(1);
        String firstValid = client.jobs().submit(JobRequest.tasks(first.specs).withAcceptance("first_valid").withMaxAttempts(6));
        assertAllRight(client, firstValid, first, orch);
        for (String liar : liars) {
          Reputation r = client.peers().get(liar);
          assertThat(r.quarantined()).as("liar %s after first_valid: %s", liar, r).isTrue();
          assertThat(caught(r)).as("lies caught from %s", liar).isGreaterThanOrEqualTo(2);
        }

        // Back on probation, the liars take part in the quorum job until they lie again.
        for (String liar : liars) {
          client.peers().liftQuarantine(liar);
        }
        Work second = work(2);
        String quorum = client.jobs().submit(JobRequest.tasks(second.specs).withAcceptance("quorum(2 of 3)").withMaxAttempts(6));
        assertAllRight(client, quorum, second, orch);
        for (String liar : liars) {
          Reputation r = client.peers().get(liar);
          assertThat(r.quarantined()).as("liar %s after quorum: %s", liar, r).isTrue();
          assertThat(r.counts()).containsEntry("quarantine_lifted", 1);
          assertThat(r.counts().getOrDefault("quarantined", 0)).isGreaterThanOrEqualTo(2);
        }
        for (WorkerInfo w : client.workers().list()) {
          if (w.name().startsWith("honest")) {
            assertThat(w.reputation().quarantined()).as("honest %s", w.name()).isFalse();
          }
        }
        assertThat(client.peers().verify().ok()).isTrue();
      }
    }
  }

  /** Every task succeeded and each accepted output matches the local computation. */
  private static void assertAllRight(ShoalClient client, String job, Work work, MeshProcesses.Node orch) {
    JobInfo done = client.jobs().await(job, Duration.ofMinutes(5));
    assertThat(done.state()).as("job %s: %s%n%s", job, done, MeshProcesses.tail(orch.log())).isEqualTo("succeeded");
    int wrong = 0;
    List<String> wrongTasks = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      TaskInfo t = client.tasks().status(job + ".t" + i);
      assertThat(t.acceptance()).as("task %s has an acceptance record", t.id()).isNotNull();
      var cmp = TensorComparison.compare(work.expected.get(i), client.blobs().readTensor(t.outputs().getFirst()));
      if (!cmp.matches()) {
        wrong++;
        wrongTasks.add(t.id() + " accepted from " + t.acceptance().peerId() + ": " + cmp.reason());
      }
    }
    assertThat(wrong).as("wrong results accepted: %s", wrongTasks).isZero();
  }

  private static int caught(Reputation r) {
    int n = 0;
    for (String kind : List.of("invalid_result", "bad_signature", "replayed", "disagreed")) {
      n += r.counts().getOrDefault(kind, 0);
    }
    return n;
  }

  /** 200 tasks over a mix of operators, dtypes and shapes, with the outputs they must have. */
  private record Work(List<TaskSpec> specs, List<Tensor> expected) {}

  private static Work work(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    OperatorRegistry ops = OperatorRegistry.standard();
    List<TaskSpec> specs = new ArrayList<>();
    List<Tensor> expected = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      String op;
      List<Tensor> in;
      Map<String, Object> attrs = Map.of();
      switch (i % 5) {
        case 0 -> {
          op = "tensor.matmul@1";
          in = List.of(floats(r, 12, 16), floats(r, 16, 12));
        }
        case 1 -> {
          op = "tensor.add@1";
          in = List.of(floats(r, 8, 8), floats(r, 8, 8));
        }
        case 2 -> {
          op = "tensor.sigmoid@1";
          in = List.of(floats(r, 6, 10));
        }
        case 3 -> {
          op = "tensor.reduce_sum@1";
          in = List.of(ints(r, 6, 7));
          attrs = Map.of("axis", 1L);
        }
        default -> {
          op = "tensor.matmul@1";
          in = List.of(ints(r, 5, 9), ints(r, 9, 4));
        }
      }
      TaskSpec spec = new TaskSpec("t" + i, op, in, attrs, null, null, null);
      specs.add(spec);
      Attributes a = Attributes.empty();
      if (!attrs.isEmpty()) {
        a = Attributes.builder().put("axis", 1L).build();
      }
      expected.add(ops.require(OperatorId.parse(op)).apply(in, a).getFirst());
    }
    return new Work(specs, expected);
  }

  private static Tensor floats(SplittableRandom r, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 4 - 2);
    }
    return Tensor.float32(Shape.of(rows, cols), v);
  }

  private static Tensor ints(SplittableRandom r, int rows, int cols) {
    int[] v = new int[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(-50, 50);
    }
    return Tensor.int32(Shape.of(rows, cols), v);
  }
}
