package dev.shoal.worker;

import static dev.shoal.worker.Tasks.task;
import static dev.shoal.worker.Tasks.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.WorkerMessage;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The production transport: the worker's own Netty channel to a real loopback port. */
class WorkerNettyTest {

  @BeforeAll
  static void awaitility() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(15));
  }

  @Test
  void runsATaskAndDrainsOverRealHttp2() throws Exception {
    try (FakeOrchestrator fake = FakeOrchestrator.overNetty()) {
      Worker worker =
          Worker.create(WorkerConfig.builder().orchestrators(List.of(fake.address())).name("netty-worker").build()).start();
      try {
        FakeOrchestrator.Stream s = fake.stream(0);
        await().until(worker::isConnected);

        s.dispatch(task("t-net", "tensor.add@1", vector(1, 2), vector(3, 4)).build());

        ResultDescriptor r = s.result("t-net");
        assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
        assertThat(Tasks.floats(r.getOutputs(0))).containsExactly(4, 6);

        worker.drain();
        assertThat(s.indexOf(WorkerMessage::hasGoodbye)).isPositive();
        assertThat(s.completedByWorker).isTrue();
      } finally {
        worker.shutdownNow();
      }
    }
  }
}
