package dev.shoal.worker;

import static dev.shoal.worker.Tasks.task;
import static dev.shoal.worker.Tasks.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.operators.Tolerance;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.WorkerMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Results leave the worker signed; a byzantine worker (tests and the demo only) lies in every way. */
class WorkerSignatureTest extends WorkerTestSupport {

  @Test
  void everyResultIsSignedWithTheKeyOfItsHello() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] key = s.node.getPublicKey().toByteArray();

    s.dispatch(task("ok", "tensor.add@1", vector(1, 2), vector(10, 20)).build());
    s.dispatch(task("bad", "tensor.div@1", Tasks.ints(1), Tasks.ints(0)).build());

    ResultDescriptor ok = s.result("ok");
    assertThat(ok.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(ResultSignatures.verify(ok, key)).isTrue();
    ResultDescriptor failed = s.result("bad");
    assertThat(failed.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_FAILED);
    assertThat(ResultSignatures.verify(failed, key)).isTrue();
  }

  @Test
  void aByzantineWorkerCyclesThroughGarbageSubtleErrorsForgeriesAndReplays() {
    start(config().byzantine(true).maxConcurrentTasks(1));
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] key = s.node.getPublicKey().toByteArray();
    float[] truth = {11, 22};

    for (int i = 0; i < 4; i++) {
      String id = "t" + i;
      s.dispatch(task(id, "tensor.add@1", vector(1, 2), vector(10, 20)).build());
      await().until(() -> s.results(id).size() == 1);
    }

    ResultDescriptor gross = s.result("t0");
    assertThat(ResultSignatures.verify(gross, key)).isTrue();
    assertThat(Tasks.floats(gross.getOutputs(0))).isNotEqualTo(truth);

    ResultDescriptor subtle = s.result("t1");
    assertThat(ResultSignatures.verify(subtle, key)).isTrue();
    float[] off = Tasks.floats(subtle.getOutputs(0));
    for (int i = 0; i < truth.length; i++) {
      assertThat(Tolerance.FLOAT32.close(truth[i], off[i])).as("element %d is a lie", i).isFalse();
      assertThat(Math.abs(off[i] - truth[i])).as("but a small one").isLessThan(0.01f);
    }

    ResultDescriptor forged = s.result("t2");
    assertThat(Tasks.floats(forged.getOutputs(0))).containsExactly(truth);
    assertThat(ResultSignatures.verify(forged, key)).as("signed by some other key").isFalse();

    // The replay: the previous result again, verbatim, then its outputs passed off as this attempt's.
    List<ResultDescriptor> all =
        s.received().stream().filter(WorkerMessage::hasResult).map(WorkerMessage::getResult).toList();
    assertThat(all).hasSize(5);
    assertThat(all.get(3)).isEqualTo(forged);
    ResultDescriptor passedOff = s.result("t3");
    assertThat(passedOff.getOutputsList()).isEqualTo(forged.getOutputsList());
    assertThat(ResultSignatures.verify(passedOff, key)).isTrue();
  }
}
