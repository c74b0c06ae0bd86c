package dev.shoal.orchestrator.internal.core;

import static dev.shoal.orchestrator.internal.core.LifecycleTest.only;
import static dev.shoal.orchestrator.internal.core.LifecycleTest.receipts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two rows of the authority table that belong to workers, tried by the party allowed and by
 * another worker: submitting a result (only the worker that ran the attempt) and reporting a
 * worker's own state (only itself). Both are bound to the worker's authenticated session, so
 * another worker can only ever speak for itself.
 */
class WorkerAuthorityTest {

  @Test
  void onlyTheWorkerThatRanTheAttemptSubmitsItsResult() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      CoreHarness.FakeWorker runner = h.worker("runner", 1);
      String job = h.submit(CoreHarness.addJob(1, 1, 10_000, 0));
      TaskDescriptor t = only(runner.dispatches());
      runner.accept(t);
      CoreHarness.FakeWorker other = h.worker("other", 1);

      // Another worker answers with the runner's attempt reference, signed with its own key.
      other.succeed(t);
      assertThat(receipts(other)).containsExactly(Disposition.DISPOSITION_UNKNOWN);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);

      runner.succeed(t);
      assertThat(receipts(runner)).containsExactly(Disposition.DISPOSITION_ACCEPTED);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(h.task(job, "t0").attempts()).singleElement().satisfies(a -> {
        assertThat(a.peerId()).isEqualTo(runner.peerId());
        assertThat(a.state()).isEqualTo(dev.shoal.orchestrator.internal.lifecycle.AttemptState.COMPLETED);
      });
    }
  }

  @Test
  void aRestartSaysThatTheSessionsItCutOffAreOver() throws Exception {
    dev.shoal.orchestrator.internal.store.MemoryStore store = new dev.shoal.orchestrator.internal.store.MemoryStore();
    String peer;
    try (CoreHarness before = new CoreHarness(store)) {
      peer = before.worker("w", 1).peerId();
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(store)) {
      after.settle();
      assertThat(store.events(0, 100))
          .filteredOn(e -> e.peerId().equals(peer))
          .extracting(dev.shoal.orchestrator.internal.store.EventRecord::type)
          .containsExactly("worker.connected", "worker.disconnected");
      assertThat(store.workersLeftConnected()).isEmpty();
    }
  }

  @Test
  void aWorkersStateIsReportedOnlyByItself() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      CoreHarness.FakeWorker a = h.worker("a", 2);
      CoreHarness.FakeWorker b = h.worker("b", 2);
      // b reports load and draining: on its own session, so only about itself.
      h.core.heartbeat(b.session, Heartbeat.newBuilder()
          .setSentAtMs(h.clock.millis()).setDraining(true).setLoad(Load.newBuilder().setCpuLoad(0.9)).build());
      var workers = h.core.workers().get(5, TimeUnit.SECONDS);
      var ofA = workers.stream().filter(w -> w.descriptor().getPeerId().equals(a.peerId())).findFirst().orElseThrow();
      var ofB = workers.stream().filter(w -> w.descriptor().getPeerId().equals(b.peerId())).findFirst().orElseThrow();
      assertThat(ofB.draining()).isTrue();
      assertThat(ofB.load().getCpuLoad()).isEqualTo(0.9);
      assertThat(ofA.draining()).isFalse();
      assertThat(ofA.load().getCpuLoad()).isZero();
    }
  }
}
