package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.client.InvalidArgumentException;
import dev.shoal.client.MeshOverloadedException;
import dev.shoal.client.RateLimitedException;
import dev.shoal.client.Reputation;
import dev.shoal.client.ScatterResult;
import dev.shoal.client.ShoalException;
import dev.shoal.client.TaskFailedException;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskResult;
import dev.shoal.client.WorkerInfo;
import dev.shoal.client.WorkerNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Scatter's ordering, concurrency, retry and failover, driven through its runner seam: no HTTP. */
class ScatterTest {

  private static final Scatter.Delays NO_WAIT = d -> Runnable::run;

  /** One try the scatter made: which prompt, on which worker, and its future to complete. */
  record Try(TaskRequest request, CompletableFuture<TaskResult> answer) {
    String peer() {
      return request.worker();
    }
  }

  /** A runner whose tries the test completes by hand. */
  static final class HeldRunner implements Scatter.Runner {
    final List<Try> tries = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();

    @Override
    public CompletableFuture<TaskResult> run(TaskRequest pinned) {
      CompletableFuture<TaskResult> f = new CompletableFuture<>();
      peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      tries.add(new Try(pinned, f));
      // The scatter sees the answer only once it is counted out.
      return f.whenComplete((r, t) -> inFlight.decrementAndGet());
    }
  }

  private static List<TaskRequest> prompts(int n) {
    return IntStream.range(0, n).mapToObj(i -> TaskRequest.complete("llama3.2", "prompt " + i)).toList();
  }

  private static TaskResult answer(TaskRequest r) {
    return new TaskResult(
        "j." + r.prompt(), "succeeded", "llm.complete@1", new TaskResult.WorkerRef(r.worker(), ""), 1, Duration.ZERO,
        "answer to " + r.prompt(), "stop", "llama3.2", null, null, List.of(), List.of(), null);
  }

  private static CompletableFuture<List<ScatterResult>> scatter(
      List<TaskRequest> requests, List<String> peers, int concurrency, int retries, Scatter.Runner runner) {
    return Scatter.run(
        requests, peers, concurrency, retries, runner, NO_WAIT,
        () -> new WorkerNotFoundException("worker_not_found", 0, "no worker", null, null));
  }

  @Test
  void resultsComeBackInSubmissionOrderWhateverOrderTheyFinishIn() {
    HeldRunner runner = new HeldRunner();
    var out = scatter(prompts(5), List.of("wA", "wB"), 5, 0, runner);

    List<Try> started = new ArrayList<>(runner.tries);
    Collections.reverse(started);
    started.forEach(t -> t.answer().complete(answer(t.request())));

    List<ScatterResult> results = out.join();
    assertThat(results).extracting(ScatterResult::index).containsExactly(0, 1, 2, 3, 4);
    assertThat(results).extracting(r -> r.result().text())
        .containsExactly("answer to prompt 0", "answer to prompt 1", "answer to prompt 2", "answer to prompt 3", "answer to prompt 4");
    assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(ScatterResult.Status.SUCCESS));
  }

  @Test
  void neverMoreInFlightThanAllowedAndTheWorkIsSpread() {
    HeldRunner runner = new HeldRunner();
    var out = scatter(prompts(10), List.of("wA", "wB", "wC"), 3, 0, runner);

    assertThat(runner.tries).hasSize(3);
    assertThat(runner.tries).extracting(Try::peer).containsExactlyInAnyOrder("wA", "wB", "wC");
    for (int done = 0; done < 10; done++) {
      Try t = runner.tries.get(done);
      t.answer().complete(answer(t.request()));
    }

    assertThat(out.join()).allMatch(ScatterResult::succeeded);
    assertThat(runner.peak).hasValue(3);
    assertThat(runner.tries).hasSize(10);
  }

  @Test
  void aFailedTryMovesToAnotherWorkerAndTheResultNamesWhoServedIt() {
    // wBad fails everything; every prompt must end on wGood, never retried on wBad.
    Scatter.Runner runner =
        r -> r.worker().equals("wBad")
            ? CompletableFuture.failedFuture(new TaskFailedException("task_failed", 502, "bad worker", null, null, "j.t"))
            : CompletableFuture.completedFuture(answer(r));
    List<TaskRequest> seen = new CopyOnWriteArrayList<>();

    List<ScatterResult> results =
        scatter(prompts(6), List.of("wBad", "wGood"), 2, 1, r -> {
              seen.add(r);
              return runner.run(r);
            })
            .join();

    assertThat(results).allSatisfy(r -> {
      assertThat(r.succeeded()).isTrue();
      assertThat(r.peerId()).isEqualTo("wGood");
      assertThat(r.result().worker().peerId()).isEqualTo("wGood");
    });
    assertThat(results).filteredOn(r -> r.tries() == 2).isNotEmpty();
    for (TaskRequest prompt : prompts(6)) {
      assertThat(seen).filteredOn(r -> r.prompt().equals(prompt.prompt())).extracting(TaskRequest::worker).doesNotHaveDuplicates();
    }
    // The pin is the only change to the request.
    assertThat(seen).allSatisfy(r -> assertThat(r.withWorker(null)).isIn(prompts(6)));
  }

  @Test
  void whenEveryTryFailsTheFailureIsAValueNamingTheLastWorker() {
    Scatter.Runner runner =
        r -> CompletableFuture.failedFuture(new MeshOverloadedException("mesh_overloaded", 503, "full on " + r.worker(), null, null));

    List<ScatterResult> results = scatter(prompts(1), List.of("wA", "wB", "wC"), 1, 2, runner).join();

    ScatterResult r = results.getFirst();
    assertThat(r.status()).isEqualTo(ScatterResult.Status.FAILED);
    assertThat(r.tries()).isEqualTo(3);
    assertThat(r.error()).isInstanceOf(MeshOverloadedException.class).hasMessage("full on " + r.peerId());
    assertThat(r.result()).isNull();
  }

  @Test
  void aRequestTheOrchestratorRefusesIsNotRetried() {
    AtomicInteger tries = new AtomicInteger();
    Scatter.Runner runner =
        r -> {
          tries.incrementAndGet();
          return CompletableFuture.failedFuture(new InvalidArgumentException("invalid_argument", 400, "bad params", null, null));
        };

    ScatterResult r = scatter(prompts(1), List.of("wA", "wB"), 1, 5, runner).join().getFirst();

    assertThat(r.error()).isInstanceOf(InvalidArgumentException.class);
    assertThat(r.tries()).isEqualTo(1);
    assertThat(tries).hasValue(1);
  }

  @Test
  void aRunnerThatThrowsOrFailsOddlyStillGivesAValue() {
    Scatter.Runner runner =
        r -> {
          throw new IllegalStateException("runner bug");
        };

    ScatterResult r = scatter(prompts(1), List.of("wA"), 1, 0, runner).join().getFirst();

    assertThat(r.error()).isExactlyInstanceOf(ShoalException.class).hasMessageContaining("runner bug");
  }

  @Test
  void theRateLimitIsWaitedOutBeforeTheRetry() {
    List<Duration> waits = new CopyOnWriteArrayList<>();
    Scatter.Delays recorded = d -> {
      waits.add(d);
      return Runnable::run;
    };
    AtomicInteger tries = new AtomicInteger();
    Scatter.Runner runner =
        r -> tries.getAndIncrement() == 0
            ? CompletableFuture.failedFuture(new RateLimitedException("rate_limited", 429, "slow down", Duration.ofSeconds(3), null))
            : CompletableFuture.completedFuture(answer(r));

    ScatterResult r =
        Scatter.run(prompts(1), List.of("wA", "wB"), 1, 1, runner, recorded, () -> null).join().getFirst();

    assertThat(r.succeeded()).isTrue();
    assertThat(waits).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void anOverloadedWorkerIsLeftAtOnceButWaitedForOnceEveryWorkerWasTried() {
    List<Duration> waits = new CopyOnWriteArrayList<>();
    Scatter.Delays recorded = d -> {
      waits.add(d);
      return Runnable::run;
    };
    Scatter.Runner runner =
        r -> CompletableFuture.failedFuture(new MeshOverloadedException("mesh_overloaded", 503, "full", Duration.ofMinutes(5), null));

    Scatter.run(prompts(1), List.of("wA", "wB"), 1, 2, runner, recorded, () -> null).join();

    // wA -> wB at once; wB -> wA after Retry-After, capped.
    assertThat(waits).containsExactly(Scatter.MAX_DELAY);
  }

  @Test
  void withNoWorkerEveryTaskFailsWithTheGivenError() {
    List<ScatterResult> results =
        Scatter.run(prompts(3), List.of(), 2, 2, r -> null, NO_WAIT,
                () -> new WorkerNotFoundException("worker_not_found", 0, "no worker serves it", null, null))
            .join();

    assertThat(results).hasSize(3).allSatisfy(r -> {
      assertThat(r.error()).isInstanceOf(WorkerNotFoundException.class);
      assertThat(r.peerId()).isNull();
      assertThat(r.tries()).isZero();
    });
  }

  @Test
  void aLargeBatchAnsweredAtOnceDoesNotGrowTheStack() {
    List<ScatterResult> results =
        scatter(prompts(20_000), List.of("wA", "wB"), 64, 1, r -> CompletableFuture.completedFuture(answer(r))).join();

    assertThat(results).hasSize(20_000).allMatch(ScatterResult::succeeded);
  }

  @Test
  void discoveredWorkersAreFilteredOrderedPickedAndCapped() {
    List<WorkerInfo> found =
        List.of(
            worker("wBusy", 3, 4, false, false, true),
            worker("wIdle", 0, 4, false, false, true),
            worker("wHalf", 2, 4, false, false, true),
            worker("wQuarantined", 0, 4, true, false, true),
            worker("wDraining", 0, 4, false, true, true),
            worker("wGone", 0, 4, false, false, false));

    assertThat(Scatter.choose(found, null, 10)).containsExactly("wIdle", "wHalf", "wBusy");
    assertThat(Scatter.choose(found, null, 2)).containsExactly("wIdle", "wHalf");
    assertThat(Scatter.choose(found, ws -> ws.reversed(), 2)).containsExactly("wBusy", "wHalf");
  }

  private static WorkerInfo worker(String id, int running, int slots, boolean quarantined, boolean draining, boolean online) {
    return new WorkerInfo(
        id, id, "", online, new WorkerInfo.Load(running, slots), slots - running, draining, 0,
        new WorkerInfo.Hardware("amd64", "Linux", 8, 1L << 30, List.of()), List.of("llm.complete@1"), List.of("llama3.2"),
        List.of(), 0, 0, "1.1.0", new Reputation(0, false, quarantined, "", 0, 0, Map.of()));
  }
}
