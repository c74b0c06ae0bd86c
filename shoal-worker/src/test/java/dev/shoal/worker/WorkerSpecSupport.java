package dev.shoal.worker;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts an {@link OrchestratorDouble} for each test, creates workers wired to it through
 * in-process channels, and stops every worker and the double afterwards.
 */
abstract class WorkerSpecSupport {

  static final String JOB = "job-7";

  OrchestratorDouble orchestrator;
  private final List<Worker> workers = new ArrayList<>();

  @BeforeAll
  static void patience() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(10));
    Awaitility.setDefaultPollInterval(Duration.ofMillis(5));
    Awaitility.setDefaultPollDelay(Duration.ZERO);
  }

  @BeforeEach
  void startOrchestrator() throws Exception {
    orchestrator = new OrchestratorDouble();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (Worker w : workers) {
      w.shutdownNow();
      w.awaitTermination(Duration.ofSeconds(5));
    }
    orchestrator.close();
  }

  /** Defaults for tests: the double's address, two slots, quick reconnects. */
  WorkerConfig.Builder config() {
    return WorkerConfig.builder()
        .orchestrators(List.of(orchestrator.address()))
        .name("spec-worker")
        .maxConcurrentTasks(2)
        .reconnectInitial(Duration.ofMillis(10))
        .reconnectMax(Duration.ofMillis(50));
  }

  Worker create(WorkerConfig.Builder config) {
    Worker w = Worker.create(config.build(), orchestrator::channel);
    workers.add(w);
    return w;
  }

  Worker start(WorkerConfig.Builder config) {
    return create(config).start();
  }

  // ---- tasks ------------------------------------------------------------------------------

  static Value float32(float... values) {
    return Value.newBuilder().setTensor(WireTensors.toWire(Tensor.float32(Shape.of(values.length), values))).build();
  }

  static Value dataRef() {
    return Value.newBuilder()
        .setRef(
            DataRef.newBuilder()
                .setUri("https://data.example/blobs/1")
                .setDigest("sha256:" + "0f".repeat(32))
                .setSize(8))
        .build();
  }

  static AttemptRef attempt(String taskId, int n) {
    return AttemptRef.newBuilder().setJobId(JOB).setTaskId(taskId).setAttempt(n).build();
  }

  /** Attempt 1 of {@code taskId}, with a 30 s timeout. */
  static TaskDescriptor.Builder task(String taskId, String operator, Value... inputs) {
    TaskDescriptor.Builder b =
        TaskDescriptor.newBuilder().setAttempt(attempt(taskId, 1)).setOperator(operator).setTimeoutMs(30_000);
    for (Value v : inputs) {
      b.addInputs(v);
    }
    return b;
  }

  static float[] floats(Value v) {
    return WireTensors.fromWire(v.getTensor()).toFloatArray();
  }
}
