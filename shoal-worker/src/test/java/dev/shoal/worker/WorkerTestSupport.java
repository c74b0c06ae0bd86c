package dev.shoal.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Boots a {@link FakeOrchestrator} per test and cleans up every worker a test started. */
abstract class WorkerTestSupport {

  FakeOrchestrator fake;
  private final List<Worker> workers = new ArrayList<>();

  @BeforeAll
  static void awaitility() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(15));
    Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
  }

  @BeforeEach
  void bootFake() throws Exception {
    fake = new FakeOrchestrator();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Worker w : workers) {
      w.shutdownNow();
      w.awaitTermination(Duration.ofSeconds(5));
    }
    fake.close();
  }

  /** Test defaults: the fake's address, a fixed name, fast reconnects. */
  WorkerConfig.Builder config() {
    return WorkerConfig.builder()
        .orchestrators(List.of(fake.address()))
        .name("test-worker")
        .maxConcurrentTasks(4)
        .reconnectInitial(Duration.ofMillis(20))
        .reconnectMax(Duration.ofMillis(200));
  }

  Worker start(WorkerConfig.Builder config) {
    Worker w = Worker.create(config.build(), FakeOrchestrator::channel);
    workers.add(w);
    return w.start();
  }
}
