package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Program tasks ({@code llm.*}, {@code process.run@1}) in the core: routing in tiers, overload
 * refused rather than queued, streamed chunks relayed and held against the signed result, and no
 * fail-over once a client has seen an attempt's output.
 */
class ProgramTasksTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> LLM = List.of("llm.chat@1");

  private final CoreHarness h = new CoreHarness();
  private final TaskRequests requests = new TaskRequests(new JobPlanner(OperatorRegistry.standard()));

  @AfterEach
  void close() {
    h.close();
  }

  /** Records what a waiting client would be told. */
  static final class Recorder implements TaskWatcher {
    final List<String> events = new ArrayList<>();
    TaskStatus finished;

    @Override
    public void started(int attempt, String peerId, String workerName) {
      events.add("started " + attempt + " " + workerName);
    }

    @Override
    public void chunk(int attempt, String channel, ByteString data) {
      events.add(channel + ":" + data.toStringUtf8());
    }

    @Override
    public void finished(TaskStatus status) {
      events.add("finished " + status.state().wireName());
      finished = status;
    }
  }

  private JobPlan chat(String model, TaskRequests.Mode mode, int maxAttempts) throws Exception {
    return requests
        .plan(
            MAPPER.readTree(
                """
                {"operator": "llm.chat@1", "model": "%s", "max_attempts": %d,
                 "messages": [{"role": "user", "content": "hi"}]}
                """
                    .formatted(model, maxAttempts)),
            mode)
        .plan();
  }

  private static Value answer(String text) {
    String json =
        """
        {"text": "%s", "finish_reason": "stop", "model": "m",
         "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
        """
            .formatted(text);
    return Value.newBuilder()
        .setBlob(Blob.newBuilder().setMediaType("application/json").setData(ByteString.copyFromUtf8(json)))
        .build();
  }

  private static Throwable refusal(java.util.concurrent.CompletableFuture<String> f) {
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    return f.handle((v, e) -> e).join();
  }

  @Test
  void aNameOrServiceOutranksAModelAndEachWorkerRunsItsOwnSpelling() throws Exception {
    var byModel = h.worker("gpu-1", 1, LLM, List.of("Llama3.2"), List.of());
    var byName = h.worker("llama3.2", 1, LLM, List.of("other-model"), List.of());

    h.core.submit(chat("LLAMA3.2", TaskRequests.Mode.RUN, 1), new Recorder()).get(5, TimeUnit.SECONDS);
    List<TaskDescriptor> first = byName.dispatches();
    assertThat(first).hasSize(1);
    assertThat(first.getFirst().getModel()).isEqualTo("other-model");
    assertThat(byModel.dispatches()).isEmpty();

    // The name's tier is full: the next tier (the model) takes it, under the worker's spelling.
    h.core.submit(chat("llama3.2", TaskRequests.Mode.RUN, 1), new Recorder()).get(5, TimeUnit.SECONDS);
    List<TaskDescriptor> second = byModel.dispatches();
    assertThat(second).hasSize(1);
    assertThat(second.getFirst().getModel()).isEqualTo("Llama3.2");
  }

  @Test
  void aPeerIdPinsAndServicesMatchLikeNames() throws Exception {
    var a = h.worker("a", 1, LLM, List.of("m"), List.of("Summaries"));
    var b = h.worker("b", 1, LLM, List.of("m"), List.of());

    h.core.submit(chat(b.peerId(), TaskRequests.Mode.RUN, 1), new Recorder()).get(5, TimeUnit.SECONDS);
    assertThat(b.dispatches()).hasSize(1);
    h.core.submit(chat("summaries", TaskRequests.Mode.RUN, 1), new Recorder()).get(5, TimeUnit.SECONDS);
    assertThat(a.dispatches()).hasSize(1);
  }

  @Test
  void whenEveryMatchingWorkerIsFullTheCallIsRefusedAndNothingIsKept() throws Exception {
    var w = h.worker("w", 1, LLM, List.of("m"), List.of());
    h.core.submit(chat("m", TaskRequests.Mode.RUN, 1), new Recorder()).get(5, TimeUnit.SECONDS);
    int jobsBefore = h.core.recentJobs(100).get(5, TimeUnit.SECONDS).size();

    Throwable full = refusal(h.core.submit(chat("m", TaskRequests.Mode.RUN, 1), new Recorder()));
    assertThat(full).isInstanceOf(JobService.Overloaded.class).hasMessageContaining("busy");
    Throwable unknown = refusal(h.core.submit(chat("no-such-model", TaskRequests.Mode.RUN, 1), new Recorder()));
    assertThat(unknown).isInstanceOf(JobService.NoMatch.class);
    assertThat(((JobService.NoMatch) unknown).kind()).isEqualTo(JobService.NoMatch.Kind.MODEL);

    assertThat(h.core.recentJobs(100).get(5, TimeUnit.SECONDS)).hasSize(jobsBefore);
    assertThat(w.dispatches()).hasSize(1);

    // An asynchronous submission queues instead.
    String queued = h.core.submit(chat("m", TaskRequests.Mode.ASYNC, 1)).get(5, TimeUnit.SECONDS);
    assertThat(h.task(queued, "t").state()).isEqualTo(TaskState.READY);
  }

  @Test
  void chunksReachTheWatcherAndTheResultMustMatchThem() throws Exception {
    var w = h.worker("w", 2, LLM, List.of("m"), List.of());
    Recorder ok = new Recorder();
    h.core.submit(chat("m", TaskRequests.Mode.STREAM, 1), ok).get(5, TimeUnit.SECONDS);
    TaskDescriptor t = w.dispatches().getFirst();
    assertThat(t.getAttributesMap().get("stream").getIntValue()).isEqualTo(1);
    w.chunk(t, 0, "tokens", "Hel");
    w.chunk(t, 1, "tokens", "lo");
    w.answer(t, answer("Hello"));
    assertThat(ok.events).containsExactly("started 1 w", "tokens:Hel", "tokens:lo", "finished succeeded");

    Recorder lied = new Recorder();
    h.core.submit(chat("m", TaskRequests.Mode.STREAM, 2), lied).get(5, TimeUnit.SECONDS);
    TaskDescriptor u = w.dispatches().getFirst();
    w.chunk(u, 0, "tokens", "Hello");
    w.answer(u, answer("Goodbye"));
    // The client saw attempt 1's tokens: no second attempt streams them again.
    assertThat(lied.finished.state()).isEqualTo(TaskState.FAILED);
    assertThat(lied.finished.error()).contains("streamed tokens");
    assertThat(h.core.standing(w.peerId()).get(5, TimeUnit.SECONDS).standing().counts()).containsKey("invalid_result");
  }

  @Test
  void aFailureBeforeAnyOutputFailsOverButNotAfter() throws Exception {
    var a = h.worker("a", 1, LLM, List.of("m"), List.of());
    var b = h.worker("b", 1, LLM, List.of("m"), List.of());
    Recorder before = new Recorder();
    h.core.submit(chat("m", TaskRequests.Mode.STREAM, 2), before).get(5, TimeUnit.SECONDS);
    var first = h.core.workers().get(5, TimeUnit.SECONDS);
    assertThat(first).hasSize(2);
    CoreHarness.FakeWorker ran = a.inbox.isEmpty() ? b : a;
    CoreHarness.FakeWorker other = ran == a ? b : a;
    TaskDescriptor t = ran.dispatches().getFirst();
    ran.result(t.getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
    h.advance(60_000);
    TaskDescriptor retry = other.dispatches().getFirst();
    assertThat(retry.getAttempt().getAttempt()).isEqualTo(2);

    other.chunk(retry, 0, "tokens", "partial");
    other.result(retry.getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
    assertThat(before.finished.state()).isEqualTo(TaskState.FAILED);
    assertThat(before.finished.error()).contains("after streaming output");
  }

  @Test
  void aWorkerThatLeftIsListedOfflineOnRequest() throws Exception {
    var w = h.worker("w", 1, LLM, List.of("m"), List.of());
    w.disconnect("test");
    assertThat(h.core.workers(false).get(5, TimeUnit.SECONDS)).isEmpty();
    List<WorkerStatus> all = h.core.workers(true).get(5, TimeUnit.SECONDS);
    assertThat(all).hasSize(1);
    assertThat(all.getFirst().online()).isFalse();
    assertThat(h.core.workerName(w.peerId())).isEqualTo("w");
  }
}
