package dev.shoal.orchestrator.internal.core;

import static dev.shoal.orchestrator.internal.core.LifecycleTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.Resources;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Jobs as task graphs in the core: a task waits for the tasks it reads, runs on their accepted
 * outputs, and a failure or cancellation ends only what depends on it.
 */
class TaskGraphTest {

  private static final TensorSpec VEC = new TensorSpec(DType.FLOAT32, Shape.of(2));
  private static final Tensor ONES = Tensor.float32(Shape.of(2), new float[] {1, 2});
  private static final Tensor TENS = Tensor.float32(Shape.of(2), new float[] {10, 20});

  /** a = 1+10, b = 1+10, c = a + b, d = c + c; e is independent of all of them. */
  static JobPlan diamond(int maxAttempts, long deadlineMs) {
    List<PlannedTask> tasks = new ArrayList<>();
    tasks.add(add("a", maxAttempts, inline(ONES), inline(TENS)));
    tasks.add(add("b", maxAttempts, inline(ONES), inline(TENS)));
    tasks.add(add("c", maxAttempts, TaskInputs.fromTask("a", 0, VEC), TaskInputs.fromTask("b", 0, VEC)));
    tasks.add(add("d", maxAttempts, TaskInputs.fromTask("c", 0, VEC), TaskInputs.fromTask("c", 0, VEC)));
    tasks.add(add("e", maxAttempts, inline(ONES), inline(TENS)));
    return new JobPlan("tasks", "{}".getBytes(), tasks, deadlineMs);
  }

  private static PlannedTask add(String id, int maxAttempts, Value x, Value y) {
    return new PlannedTask(
        id,
        TaskDescriptor.newBuilder()
            .setOperator("tensor.add@1")
            .addInputs(x)
            .addInputs(y)
            .setTimeoutMs(60_000)
            .setResources(Resources.newBuilder().setMemoryBytes(24))
            .build(),
        maxAttempts,
        List.of(VEC));
  }

  private static Value inline(Tensor t) {
    return Value.newBuilder().setTensor(WireTensors.toWire(t)).build();
  }

  private static String taskOf(TaskDescriptor d) {
    return d.getAttempt().getTaskId();
  }

  private static void answer(FakeWorker w, TaskDescriptor d, float x, float y) {
    w.accept(d);
    w.result(d.getAttempt(), ResultStatus.RESULT_STATUS_OK, Tensor.float32(Shape.of(2), new float[] {x, y}));
  }

  @Test
  void aTaskRunsOnlyOnceItsInputsAreAcceptedAndGetsTheirValues() throws Exception {
    graphRuns();
  }

  static void graphRuns() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 8);
      String job = h.submit(diamond(3, 0));
      List<TaskDescriptor> first = w.dispatches();
      assertThat(first).extracting(TaskGraphTest::taskOf).containsExactly("a", "b", "e");
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.WAITING);
      assertThat(h.job(job).counts().get(TaskState.WAITING)).isEqualTo(2);

      answer(w, first.get(0), 11, 22);
      h.settle();
      assertThat(w.dispatches()).as("c still waits for b").isEmpty();
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.WAITING);

      answer(w, first.get(1), 11, 22);
      TaskDescriptor c = only(w.dispatches());
      assertThat(taskOf(c)).isEqualTo("c");
      assertThat(c.getInputsList())
          .as("the accepted outputs of a and b, not placeholders")
          .allSatisfy(v -> assertThat(WireTensors.fromWire(v.getTensor()).toFloatArray()).containsExactly(11, 22));

      answer(w, c, 22, 44);
      TaskDescriptor d = only(w.dispatches());
      assertThat(WireTensors.fromWire(d.getInputs(0).getTensor()).toFloatArray()).containsExactly(22, 44);
      answer(w, d, 44, 88);
      answer(w, first.get(2), 11, 22);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(WireTensors.fromWire(h.task(job, "d").result().getOutputs(0).getTensor()).toFloatArray())
          .containsExactly(44, 88);
    }
  }

  @Test
  void aWrongAnswerFromAnUpstreamResultIsCaughtAgainstTheResolvedInputs() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 8);
      String job = h.submit(diamond(1, 0));
      List<TaskDescriptor> first = w.dispatches();
      answer(w, first.get(0), 11, 22);
      answer(w, first.get(1), 11, 22);
      TaskDescriptor c = only(w.dispatches());
      // 2 + 2 would be right for the template's shapes; only the resolved inputs say 22, 44.
      answer(w, c, 2, 2);
      h.settle();
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.FAILED);
    }
  }

  @Test
  void aFailedTaskFailsOnlyWhatDependsOnIt() throws Exception {
    failureIsolated();
  }

  static void failureIsolated() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 8);
      String job = h.submit(diamond(1, 0));
      List<TaskDescriptor> first = w.dispatches();
      w.accept(first.get(0));
      w.result(first.get(0).getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
      h.settle();
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.FAILED);
      assertThat(h.task(job, "c").error()).isEqualTo("input task a failed");
      assertThat(h.task(job, "d").error()).isEqualTo("input task c failed");
      assertThat(h.job(job).state()).as("b and e still run").isEqualTo(JobState.RUNNING);
      assertThat(w.drain()).noneMatch(m -> m.hasCancel());

      answer(w, first.get(1), 11, 22);
      answer(w, first.get(2), 11, 22);
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.state()).isEqualTo(JobState.FAILED);
      assertThat(s.counts().get(TaskState.SUCCEEDED)).as("the parts that completed").isEqualTo(2);
      assertThat(s.counts().get(TaskState.FAILED)).isEqualTo(3);
      assertThat(s.error()).startsWith("task a failed");
    }
  }

  @Test
  void cancellingATaskCancelsItsReadersOnly() throws Exception {
    cancelledReaders();
  }

  static void cancelledReaders() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 8);
      String job = h.submit(diamond(3, 0));
      List<TaskDescriptor> first = w.dispatches();
      answer(w, first.get(0), 11, 22);
      assertThat(h.core.cancelTask(job, "b", Actor.NONE).get()).isEqualTo(CancelOutcome.CANCELLED);
      h.settle();
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.CANCELLED);
      assertThat(h.task(job, "d").state()).isEqualTo(TaskState.CANCELLED);
      assertThat(h.task(job, "e").state()).isEqualTo(TaskState.RUNNING);
    }
  }

  @Test
  void waitingTasksExpireWithTheJob() throws Exception {
    waitingExpires();
  }

  static void waitingExpires() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      h.worker("w1", 8);
      String job = h.submit(diamond(3, 5_000));
      h.advance(5_000);
      h.settle();
      assertThat(h.task(job, "c").state()).isEqualTo(TaskState.EXPIRED);
      assertThat(h.job(job).state()).isEqualTo(JobState.EXPIRED);
    }
  }

  @Test
  void aRestartResolvesInputsAgainAndReleasesWaitingTasks() throws Exception {
    StateStore store = new MemoryStore();
    String job;
    try (CoreHarness before = new CoreHarness(RecoveryScenarios.unclosable(store))) {
      FakeWorker w = before.worker("w1", 8);
      job = before.submit(diamond(3, 0));
      List<TaskDescriptor> first = w.dispatches();
      answer(w, first.get(0), 11, 22);
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(RecoveryScenarios.unclosable(store))) {
      assertThat(after.task(job, "c").state()).isEqualTo(TaskState.WAITING);
      FakeWorker w = after.worker("w2", 8);
      List<TaskDescriptor> again = w.dispatches();
      assertThat(again).extracting(TaskGraphTest::taskOf).containsExactly("b", "e");
      answer(w, again.get(0), 11, 22);
      TaskDescriptor c = only(w.dispatches());
      assertThat(WireTensors.fromWire(c.getInputs(0).getTensor()).toFloatArray())
          .as("a's output from before the restart")
          .containsExactly(11, 22);
    }
    try (CoreHarness again = new CoreHarness(RecoveryScenarios.unclosable(store))) {
      FakeWorker w = again.worker("w3", 8);
      TaskDescriptor c = w.dispatches().stream().filter(d -> taskOf(d).equals("c")).findFirst().orElseThrow();
      assertThat(WireTensors.fromWire(c.getInputs(1).getTensor()).toFloatArray())
          .as("a task past WAITING is resolved again from the stored results")
          .containsExactly(11, 22);
    }
  }
}
