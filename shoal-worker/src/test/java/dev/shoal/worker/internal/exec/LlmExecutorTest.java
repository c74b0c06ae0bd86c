package dev.shoal.worker.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.testkit.StandInProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code llm.*} against a real HTTP server: the stand-in LLM server from shoal-testkit, running
 * as a separate process (its own JVM), as Ollama or vLLM would. Its answers follow a fixed rule
 * ("You said: " + the last user message, one token per word), so text and usage are exact.
 */
class LlmExecutorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long BUDGET = 1 << 20;
  private static final String HELLO = """
      {"messages": [{"role": "system", "content": "be kind"}, {"role": "user", "content": "hello there friend"}]}""";

  private static StandInProcess fast;
  private static StandInProcess slow;
  private static StandInProcess keyed;

  @BeforeAll
  static void startServers() {
    fast = StandInProcess.start("--port", "0", "--models", "m1,m2", "--chunks", "4");
    // 40 chunks 100 ms apart: a 4 s answer, long enough to watch it arrive and to cut it off.
    slow = StandInProcess.start("--port", "0", "--models", "m1", "--chunks", "40", "--delay-ms", "100");
    keyed = StandInProcess.start("--port", "0", "--models", "m1", "--api-key", "sk-right");
  }

  @AfterAll
  static void stopServers() {
    fast.close();
    slow.close();
    keyed.close();
  }

  private static LlmExecutor executor(StandInProcess server, String... models) {
    return new LlmExecutor(URI.create(server.baseUrl()), null, List.of(models));
  }

  static TaskDescriptor task(String operator, String model, String body, Integer stream) {
    TaskDescriptor.Builder t =
        TaskDescriptor.newBuilder()
            .setAttempt(AttemptRef.newBuilder().setJobId("j").setTaskId("t").setAttempt(1))
            .setOperator(operator)
            .setModel(model)
            .setTimeoutMs(30_000)
            .addInputs(Value.newBuilder().setBlob(Blob.newBuilder().setMediaType("application/json").setData(ByteString.copyFromUtf8(body))));
    if (stream != null) {
      t.putAttributes("stream", AttributeValue.newBuilder().setIntValue(stream).build());
    }
    return t.build();
  }

  private static JsonNode answer(Outcome outcome) throws Exception {
    assertThat(outcome).isInstanceOf(Outcome.Ok.class);
    Outcome.Ok ok = (Outcome.Ok) outcome;
    assertThat(ok.outputs()).hasSize(1);
    Blob blob = ok.outputs().getFirst().getBlob();
    assertThat(blob.getMediaType()).isEqualTo("application/json");
    assertThat(blob.getName()).isEmpty();
    return JSON.readTree(blob.getData().toByteArray());
  }

  /** Runs a job on a thread of its own, which a test may interrupt as the task runner would. */
  private static final class Running {
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final Thread thread;

    Running(TaskExecutor.Job job, ChunkSink sink) {
      thread =
          Thread.ofPlatform().start(() -> {
            try {
              outcome.complete(job.run(sink, BUDGET));
            } catch (Throwable t) {
              outcome.completeExceptionally(t);
            }
          });
    }
  }

  @Test
  void aChatAnswerCarriesTextFinishReasonUsageAndModel() throws Exception {
    try (LlmExecutor llm = executor(fast, "m1")) {
      RecordingSink sink = new RecordingSink();

      Outcome outcome = llm.admit(task("llm.chat@1", "m1", HELLO, null)).run(sink, BUDGET);

      JsonNode a = answer(outcome);
      assertThat(a.get("text").asText()).isEqualTo("You said: hello there friend");
      assertThat(a.get("finish_reason").asText()).isEqualTo("stop");
      // prompt: "be kind" + "hello there friend"; answer: 5 words
      assertThat(a.get("usage").get("prompt_tokens").asInt()).isEqualTo(5);
      assertThat(a.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
      assertThat(a.get("usage").get("total_tokens").asInt()).isEqualTo(10);
      assertThat(a.get("model").asText()).isEqualTo("m1");
      assertThat(sink.chunks).as("no chunks unless stream = 1").isEmpty();
    }
  }

  @Test
  void aCompletionAnswersItsPromptAndForwardsTheOtherFieldsAsTheyAre() throws Exception {
    try (LlmExecutor llm = executor(fast, "m2")) {
      Outcome outcome =
          llm.admit(task("llm.complete@1", "m2", """
              {"prompt": "one two three four five", "max_tokens": 4}""", 0)).run(new RecordingSink(), BUDGET);

      JsonNode a = answer(outcome);
      assertThat(a.get("text").asText()).isEqualTo("You said: one two");
      assertThat(a.get("finish_reason").asText()).isEqualTo("length");
      assertThat(a.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
      assertThat(a.get("model").asText()).isEqualTo("m2");
    }
  }

  @Test
  void streamedTokensArriveBeforeTheAnswerAndAddUpToItsText() throws Exception {
    try (LlmExecutor llm = executor(slow, "m1")) {
      RecordingSink sink = new RecordingSink();
      String words = "w ".repeat(60).strip();
      TaskDescriptor t = task("llm.chat@1", "m1", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + words + "\"}]}", 1);

      Running run = new Running(llm.admit(t), sink);

      // The first tokens are here while the upstream is still generating (40 chunks, 100 ms apart).
      await().atMost(Duration.ofSeconds(3)).until(() -> sink.count(ChunkSink.TOKENS) >= 2);
      assertThat(run.outcome).isNotDone();
      JsonNode a = answer(run.outcome.get(30, TimeUnit.SECONDS));
      assertThat(a.get("text").asText()).isEqualTo("You said: " + words);
      assertThat(sink.chunks).allSatisfy(c -> assertThat(c.channel()).isEqualTo(ChunkSink.TOKENS));
      assertThat(sink.count(ChunkSink.TOKENS)).isEqualTo(40);
      assertThat(sink.text(ChunkSink.TOKENS)).isEqualTo(a.get("text").asText());
      // Streaming asks the upstream for usage in its last chunk.
      assertThat(a.get("usage").get("completion_tokens").asInt()).isEqualTo(62);
      assertThat(a.get("usage").get("prompt_tokens").asInt()).isEqualTo(60);
    }
  }

  @Test
  void anInterruptStopsTheStreamAndTheUpstreamSeesTheClientHangUp() throws Exception {
    try (LlmExecutor llm = executor(slow, "m1")) {
      long abortedBefore = stats(slow).get("streams_aborted").asLong();
      RecordingSink sink = new RecordingSink();
      // 32 words in 32 chunks: a 3.2 s answer.
      String words = "w ".repeat(30).strip();
      Running run = new Running(llm.admit(task("llm.chat@1", "m1", HELLO.replace("hello there friend", words), 1)), sink);
      await().atMost(Duration.ofSeconds(3)).until(() -> sink.count(ChunkSink.TOKENS) >= 1);

      run.thread.interrupt();

      Throwable thrown = catchThrowableOfType(Exception.class, () -> run.outcome.get(5, TimeUnit.SECONDS));
      assertThat(thrown).hasCauseInstanceOf(InterruptedException.class);
      long chunksAtStop = sink.count(ChunkSink.TOKENS);
      assertThat(chunksAtStop).isLessThan(10);
      // The upstream stops generating: its stream ends as aborted, long before its 32 chunks were due.
      await().atMost(Duration.ofSeconds(3)).until(() -> stats(slow).get("streams_aborted").asLong() > abortedBefore);
      assertThat(sink.count(ChunkSink.TOKENS)).isEqualTo(chunksAtStop);
    }
  }

  @Test
  void aStartedJobAnswersThroughItsOutcomeWithNoThreadWaiting() throws Exception {
    try (LlmExecutor llm = executor(fast, "m1")) {
      TaskExecutor.Job job = llm.admit(task("llm.chat@1", "m1", HELLO, null));

      CompletableFuture<Outcome> outcome = job.start(new RecordingSink(), BUDGET).orElseThrow();

      assertThat(answer(outcome.get(10, TimeUnit.SECONDS)).get("text").asText()).isEqualTo("You said: hello there friend");
    }
  }

  @Test
  void tokensAreRelayedAsTheyArriveWithoutATaskThreadWaiting() throws Exception {
    try (LlmExecutor llm = executor(slow, "m1")) {
      RecordingSink sink = new RecordingSink();
      TaskExecutor.Job job = llm.admit(task("llm.chat@1", "m1", HELLO, 1));
      CompletableFuture<Outcome> outcome = job.start(sink, BUDGET).orElseThrow();

      // Nobody waits on the outcome yet: the HTTP client's own thread relays each token.
      await().atMost(Duration.ofSeconds(3)).until(() -> sink.count(ChunkSink.TOKENS) >= 2);

      JsonNode a = answer(outcome.get(10, TimeUnit.SECONDS));
      assertThat(sink.text(ChunkSink.TOKENS)).isEqualTo(a.get("text").asText()).isEqualTo("You said: hello there friend");
    }
  }

  @Test
  void cancellingAStartedJobsOutcomeStopsTheExchange() throws Exception {
    try (LlmExecutor llm = executor(slow, "m1")) {
      long abortedBefore = stats(slow).get("streams_aborted").asLong();
      long startedBefore = stats(slow).get("streams_started").asLong();
      String words = "w ".repeat(30).strip();
      TaskExecutor.Job job = llm.admit(task("llm.chat@1", "m1", HELLO.replace("hello there friend", words), 1));
      CompletableFuture<Outcome> outcome = job.start(new RecordingSink(), BUDGET).orElseThrow();
      await().atMost(Duration.ofSeconds(3)).until(() -> stats(slow).get("streams_started").asLong() > startedBefore);

      outcome.cancel(true);

      // A cancel, timeout or release of the attempt: the upstream stops generating for it.
      await().atMost(Duration.ofSeconds(5)).until(() -> stats(slow).get("streams_aborted").asLong() > abortedBefore);
    }
  }

  @Test
  void anUpstreamErrorFailsTheAttemptWithTheUpstreamsMessage() throws Exception {
    // The worker is configured for a model the server does not have: the server answers 404.
    try (LlmExecutor llm = executor(fast, "ghost")) {
      Outcome outcome = llm.admit(task("llm.chat@1", "ghost", HELLO, 1)).run(new RecordingSink(), BUDGET);

      assertThat(outcome).isInstanceOf(Outcome.Failed.class);
      Outcome.Failed f = (Outcome.Failed) outcome;
      assertThat(f.errorKind()).isEqualTo("execution");
      assertThat(f.message()).startsWith("upstream answered 404: ").contains("The model 'ghost' does not exist");
    }
  }

  @Test
  void anUnreachableUpstreamFailsTheAttempt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (LlmExecutor llm = new LlmExecutor(URI.create("http://127.0.0.1:" + port + "/v1"), null, List.of("m1"))) {
      Outcome outcome = llm.admit(task("llm.chat@1", "m1", HELLO, 0)).run(new RecordingSink(), BUDGET);

      assertThat(outcome).isInstanceOf(Outcome.Failed.class);
      assertThat(((Outcome.Failed) outcome).message())
          .contains("could not be reached")
          .contains("cannot connect to 127.0.0.1:" + port + ": connection refused");
    }
  }

  @Test
  void theApiKeyIsSentAsABearerToken() throws Exception {
    URI base = URI.create(keyed.baseUrl());
    try (LlmExecutor withKey = new LlmExecutor(base, "sk-right", List.of("m1"));
        LlmExecutor withoutKey = new LlmExecutor(base, null, List.of("m1"))) {
      assertThat(withKey.admit(task("llm.chat@1", "m1", HELLO, 1)).run(new RecordingSink(), BUDGET)).isInstanceOf(Outcome.Ok.class);
      Outcome refused = withoutKey.admit(task("llm.chat@1", "m1", HELLO, 1)).run(new RecordingSink(), BUDGET);
      assertThat(refused).isInstanceOf(Outcome.Failed.class);
      assertThat(((Outcome.Failed) refused).message()).startsWith("upstream answered 401");
    }
  }

  @Test
  void anAnswerOverTheBudgetFails() throws Exception {
    try (LlmExecutor llm = executor(fast, "m1")) {
      String words = "word ".repeat(100).strip();
      TaskDescriptor t = task("llm.chat@1", "m1", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + words + "\"}]}", 1);

      Outcome outcome = llm.admit(t).run(new RecordingSink(), 200);

      assertThat(outcome).isInstanceOf(Outcome.Failed.class);
      assertThat(((Outcome.Failed) outcome).message()).contains("larger than the 200 bytes");
    }
  }

  @Test
  void admissionRefusesWhatCannotBeSent() {
    try (LlmExecutor llm = executor(fast, "m1")) {
      assertRejected(llm, task("llm.chat@1", "", HELLO, null), RejectReason.REJECT_REASON_BAD_INPUT, "needs a model");
      assertRejected(llm, task("llm.chat@1", "m9", HELLO, null), RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "m9");
      assertRejected(llm, task("llm.chat@1", "m1", "{\"messages\": [", null), RejectReason.REJECT_REASON_BAD_INPUT, "not valid JSON");
      assertRejected(llm, task("llm.chat@1", "m1", "[1, 2]", null), RejectReason.REJECT_REASON_BAD_INPUT, "JSON object");
      assertRejected(llm, task("llm.chat@1", "m1", "{\"messages\": []}", null), RejectReason.REJECT_REASON_BAD_INPUT, "messages");
      assertRejected(llm, task("llm.complete@1", "m1", HELLO, null), RejectReason.REJECT_REASON_BAD_INPUT, "prompt");
      assertRejected(llm, task("llm.chat@1", "m1", HELLO.replace("{\"messages\"", "{\"n\": 2, \"messages\""), null),
          RejectReason.REJECT_REASON_BAD_INPUT, "n must be 1");
      assertRejected(llm, task("llm.chat@1", "m1", HELLO, 2), RejectReason.REJECT_REASON_BAD_INPUT, "stream");
      assertRejected(llm, task("llm.chat@1", "m1", HELLO, null).toBuilder()
              .putAttributes("temperature", AttributeValue.newBuilder().setFloatValue(0.5f).build()).build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "temperature");
      assertRejected(llm, task("llm.chat@1", "m1", HELLO, null).toBuilder()
              .setInputs(0, Value.newBuilder().setBlob(Blob.newBuilder().setMediaType("text/plain").setData(ByteString.copyFromUtf8(HELLO))))
              .build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "application/json");
      assertRejected(llm, task("llm.chat@1", "m1", HELLO, null).toBuilder().clearInputs().build(),
          RejectReason.REJECT_REASON_BAD_INPUT, "exactly one input");
    }
  }

  private static void assertRejected(LlmExecutor llm, TaskDescriptor t, RejectReason reason, String detail) {
    Rejection r = catchThrowableOfType(Rejection.class, () -> llm.admit(t));
    assertThat(r).as("rejected: %s", detail).isNotNull();
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.getMessage()).contains(detail);
  }

  private static JsonNode stats(StandInProcess server) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(HttpRequest.newBuilder(URI.create(server.rootUrl() + "/_standin/stats")).build(), HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    }
  }
}
