package dev.shoal.examples.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.client.Reputation;
import dev.shoal.client.WorkerInfo;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler's choice of worker and its command line, without a mesh. */
class SchedulerTest {

  private static WorkerInfo worker(String peerId, int busy, int slots) {
    return new WorkerInfo(peerId, peerId, "pFleet", true, new WorkerInfo.Load(busy, slots), slots - busy, false, 0,
        new WorkerInfo.Hardware("amd64", "Linux", 4, 1L << 30, List.of()), List.of("process.run@1"), List.of(), List.of(),
        0, 0, "1.1.0", new Reputation(0, false, false, "", 0, 0, Map.of()));
  }

  @Test
  void theLeastLoadedWorkerWithAFreeSlotIsChosenAndTiesGoToTheOneIdleLongest() {
    WorkerInfo full = worker("wFull", 2, 2);
    WorkerInfo half = worker("wHalf", 1, 2);
    WorkerInfo idleBig = worker("wIdleBig", 0, 8);
    WorkerInfo idleSmall = worker("wIdleSmall", 0, 1);
    assertThat(FleetView.leastLoaded(List.of(full, half), Map.of())).contains(half);
    assertThat(FleetView.leastLoaded(List.of(full), Map.of())).isEmpty();
    // Equally idle: the one never given a task, then the one given one longest ago.
    assertThat(FleetView.leastLoaded(List.of(half, idleBig, idleSmall), Map.of("wIdleBig", 3L))).contains(idleSmall);
    assertThat(FleetView.leastLoaded(List.of(idleBig, idleSmall), Map.of("wIdleBig", 3L, "wIdleSmall", 4L))).contains(idleBig);
    // Load is relative: 2 of 8 slots busy is lighter than 1 of 2.
    assertThat(FleetView.leastLoaded(List.of(half, worker("wBig", 2, 8)), Map.of()).orElseThrow().peerId()).isEqualTo("wBig");
  }

  @Test
  void theCommandLineNeedsAKeyAFleetAndAService() {
    Scheduler.Options o = Scheduler.Options.parse(
        "--api-key-file", "bot.key", "--fleet", "pF", "--service", "svc_1", "--after", "42", "--url", "http://h:9");
    assertThat(o).isEqualTo(new Scheduler.Options(URI.create("http://h:9"), Path.of("bot.key"), "pF", "svc_1", 42));
    assertThat(Scheduler.Options.parse("--api-key-file", "k", "--fleet", "pF", "--service", "s"))
        .extracting(Scheduler.Options::url, Scheduler.Options::after)
        .containsExactly(URI.create("http://127.0.0.1:8080"), 0L);
    assertThatThrownBy(() -> Scheduler.Options.parse("--fleet", "pF", "--service", "s")).hasMessageContaining("--api-key-file");
    assertThatThrownBy(() -> Scheduler.Options.parse("--api-key-file", "k", "--fleet", "pF", "--service", "s", "--after", "x"))
        .hasMessageContaining("--after");
    assertThatThrownBy(() -> Scheduler.Options.parse("--api-key-file", "k", "--fleet")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> Scheduler.Options.parse("--verbose", "k")).hasMessageContaining("unknown option");
  }
}
