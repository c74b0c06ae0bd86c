package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.protocol.v1.Resources;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tasks that read the data service: they go where their inputs already are, and only to workers that can fetch them. */
class DataSchedulingTest {

  private static final TensorSpec CHUNK = new TensorSpec(DType.FLOAT32, Shape.of(1 << 18));
  private static final String X = "sha256:" + "ab".repeat(32);
  private static final String Y = "sha256:" + "cd".repeat(32);

  /** One tensor.relu@1 task over a 1 MiB chunk of a stored blob. */
  private static JobPlan reading(String digest) {
    TaskDescriptor d =
        TaskDescriptor.newBuilder()
            .setOperator("tensor.relu@1")
            .addInputs(TaskInputs.fromBlob(digest, CHUNK.byteSize(), 0, null, CHUNK))
            .setTimeoutMs(60_000)
            .setResources(Resources.newBuilder().setMemoryBytes(2 * CHUNK.byteSize()))
            .build();
    return new JobPlan("tasks", "{}".getBytes(), List.of(new PlannedTask("t", d, 3, List.of(CHUNK))), 0);
  }

  @Test
  void aTaskGoesToTheWorkerThatWasSentItsInputEvenIfThatWorkerIsBusier() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w1 = h.worker("w1", 4, "tensor.relu@1", "tensor.add@1");
      FakeWorker w2 = h.worker("w2", 4, "tensor.relu@1", "tensor.add@1");
      h.submit(reading(X));
      List<TaskDescriptor> to1 = w1.dispatches();
      List<TaskDescriptor> to2 = w2.dispatches();
      assertThat(to1.size() + to2.size()).isEqualTo(1);
      TaskDescriptor first = to1.isEmpty() ? to2.getFirst() : to1.getFirst();
      FakeWorker holder = to1.isEmpty() ? w2 : w1;
      FakeWorker other = holder == w1 ? w2 : w1;
      // The holder is busier now (1 of 4 slots): on load alone, the next task would go to the other.

      h.submit(reading(X));
      h.submit(reading(Y));
      List<TaskDescriptor> toHolder = holder.dispatches();
      List<TaskDescriptor> toOther = other.dispatches();
      assertThat(toHolder).as("X is at the holder already").hasSize(1);
      assertThat(toHolder.getFirst().getInputs(0).getTensorRef().getData().getDigest()).isEqualTo(X);
      assertThat(toOther).as("Y is nowhere yet: load decides").hasSize(1);
      assertThat(first.getInputs(0).getTensorRef().getData().getDigest()).isEqualTo(X);
    }
  }

  @Test
  void aTaskWaitsABoundedTimeForTheBusyWorkerHoldingItsData() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker holder = h.worker("holder", 1, "tensor.relu@1");
      String first = h.submit(reading(X));
      TaskDescriptor running = holder.dispatches().getFirst();
      FakeWorker other = h.worker("other", 1, "tensor.relu@1");

      h.submit(reading(X));
      assertThat(other.dispatches()).as("free, but X is at the busy holder: wait for it").isEmpty();
      assertThat(h.core.cancel(first, Actor.NONE).get()).isEqualTo(CancelOutcome.CANCELLED);
      holder.result(running.getAttempt(), dev.shoal.protocol.v1.ResultStatus.RESULT_STATUS_CANCELLED);
      assertThat(holder.dispatches()).as("the holder's slot freed: the task goes where its data is").hasSize(1);

      h.submit(reading(X));
      assertThat(other.dispatches()).isEmpty();
      h.advance(Core.LOCALITY_WAIT_MILLIS);
      assertThat(other.dispatches()).as("not for longer than the locality wait").hasSize(1);
    }
  }

  @Test
  void theBlobsAnUnfinishedJobReadsOrProducedAreLiveUntilItEnds() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 4, "tensor.relu@1");
      String job = h.submit(reading(X));
      assertThat(h.core.liveBlobs().get()).containsExactly("ab".repeat(32));
      assertThat(h.core.cancel(job, Actor.NONE).get()).isEqualTo(CancelOutcome.CANCELLED);
      assertThat(h.core.liveBlobs().get()).isEmpty();
      assertThat(w.dispatches()).hasSize(1);
    }
  }

  @Test
  void aWorkerThatCannotFetchByReferenceIsNotSentSuchTasks() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      h.workerVersion = "1.1.0";
      FakeWorker old = h.worker("old", 4, "tensor.relu@1");
      h.submit(reading(X));
      assertThat(old.dispatches()).isEmpty();
      h.workerVersion = "1.2.0";
      FakeWorker current = h.worker("new", 4, "tensor.relu@1");
      assertThat(current.dispatches()).hasSize(1);
    }
  }

}
