package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.WorkerMessage;
import dev.shoal.testkit.StandInProcess;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llm.* and process.run operators through a whole worker: advertised in the Hello, admitted,
 * streamed as chunks before a signed result, stopped by cancel, timeout and drain. The LLM is the
 * stand-in server from shoal-testkit, running as a separate process.
 */
class WorkerProgramSpecTest extends WorkerSpecSupport {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Prints its own pid and its child's, then waits on the child: a tree to kill. */
  private static final String TREE = "tree=sh -c 'sleep 30 & echo $$ $!; wait'";

  private static StandInProcess llm;
  /** One token every 100 ms: an answer still streaming when it is cancelled or times out. */
  private static StandInProcess slowLlm;

  @TempDir Path dataDir;

  @BeforeAll
  static void startLlm() {
    llm = StandInProcess.start("--port", "0", "--models", "m1", "--chunks", "5");
    slowLlm = StandInProcess.start("--port", "0", "--models", "m1", "--chunks", "40", "--delay-ms", "100");
  }

  @AfterAll
  static void stopLlm() {
    llm.close();
    slowLlm.close();
  }

  private static long streamsAborted() throws Exception {
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
      String body =
          http.send(
                  java.net.http.HttpRequest.newBuilder(URI.create(slowLlm.rootUrl() + "/_standin/stats")).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      return JSON.readTree(body).get("streams_aborted").asLong();
    }
  }

  private WorkerConfig.Builder programs() {
    return config()
        .owner("ml-team")
        .llm(URI.create(llm.baseUrl()), null)
        .models(List.of("m1"))
        .command("upper=tr a-z A-Z")
        .command(TREE)
        .dataDir(dataDir);
  }

  private static TaskDescriptor.Builder chat(String taskId, String content, boolean stream) {
    String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + content + "\"}]}";
    TaskDescriptor.Builder t =
        task(taskId, "llm.chat@1", blob("application/json", body)).setModel("m1");
    if (stream) {
      t.putAttributes("stream", AttributeValue.newBuilder().setIntValue(1).build());
    }
    return t;
  }

  private static TaskDescriptor.Builder run(String taskId, String command, boolean stream) {
    TaskDescriptor.Builder t =
        task(taskId, "process.run@1").putAttributes("command", AttributeValue.newBuilder().setStringValue(command).build());
    if (stream) {
      t.putAttributes("stream", AttributeValue.newBuilder().setIntValue(1).build());
    }
    return t;
  }

  private static Value blob(String mediaType, String data) {
    return Value.newBuilder().setBlob(Blob.newBuilder().setMediaType(mediaType).setData(ByteString.copyFromUtf8(data))).build();
  }

  private static List<OutputChunk> chunks(OrchestratorDouble.Call call, String taskId) {
    return call.received().stream()
        .filter(WorkerMessage::hasChunk)
        .map(WorkerMessage::getChunk)
        .filter(c -> c.getAttempt().getTaskId().equals(taskId))
        .toList();
  }

  private static String concatenated(List<OutputChunk> chunks) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    chunks.forEach(c -> b.writeBytes(c.getData().toByteArray()));
    return b.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The two pids the TREE command printed on stdout, once it has. */
  private static List<Long> treePids(OrchestratorDouble.Call call, String taskId) {
    await().until(() -> concatenated(chunks(call, taskId)).endsWith("\n"));
    return Arrays.stream(concatenated(chunks(call, taskId)).strip().split(" ")).map(Long::parseLong).toList();
  }

  @Test
  void theHelloAdvertisesTheOperatorsModelsAndOwner() {
    start(programs());

    NodeDescriptor node = orchestrator.awaitCall(0).awaitHello();

    assertThat(node.getOperatorsList()).contains("llm.chat@1", "llm.complete@1", "process.run@1", "tensor.add@1");
    assertThat(node.getOperatorsList()).isSorted();
    assertThat(node.getModelsList()).containsExactly("m1");
    assertThat(node.getOwner()).isEqualTo("ml-team");
  }

  @Test
  void aStreamedChatSendsTokenChunksInOrderThenASignedOkResult() throws Exception {
    start(programs());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    byte[] key = call.awaitHello().getPublicKey().toByteArray();

    call.dispatch(chat("t-chat", "tell me about shoals of fish", true).build());

    assertThat(call.awaitAck("t-chat").getAccepted()).isTrue();
    ResultDescriptor r = call.awaitResult("t-chat");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(ResultSignatures.verify(r, key)).isTrue();
    JsonNode answer = JSON.readTree(r.getOutputs(0).getBlob().getData().toByteArray());
    assertThat(answer.get("text").asText()).isEqualTo("You said: tell me about shoals of fish");
    assertThat(answer.get("usage").get("total_tokens").asInt()).isEqualTo(14);
    List<OutputChunk> chunks = chunks(call, "t-chat");
    assertThat(chunks).hasSize(5).allSatisfy(c -> assertThat(c.getChannel()).isEqualTo("tokens"));
    assertThat(chunks).extracting(OutputChunk::getSeq).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(concatenated(chunks)).isEqualTo(answer.get("text").asText());
    int lastChunk = call.indexOf(m -> m.hasChunk() && m.getChunk().getSeq() == 4);
    int ack = call.indexOf(WorkerMessage::hasAck);
    assertThat(call.indexOf(WorkerMessage::hasResult)).isGreaterThan(lastChunk);
    assertThat(ack).isLessThan(call.indexOf(WorkerMessage::hasChunk));
  }

  @Test
  void aCancelledChatStopsTheUpstreamAndReportsCancelledWithNoChunkAfter() throws Exception {
    long abortedBefore = streamsAborted();
    Worker worker = start(config().llm(URI.create(slowLlm.baseUrl()), null).models(List.of("m1")).dataDir(dataDir));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = chat("t-long", "w ".repeat(40).strip(), true).build();
    call.dispatch(t);
    await().until(() -> !chunks(call, "t-long").isEmpty());

    call.cancel(t, "the client gave up");

    assertThat(call.awaitResult("t-long").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_CANCELLED);
    await().until(() -> streamsAborted() > abortedBefore);
    assertThat(worker.running()).isZero();
    int result = call.indexOf(WorkerMessage::hasResult);
    assertThat(call.received().subList(result, call.received().size())).noneMatch(WorkerMessage::hasChunk);
  }

  @Test
  void aChatPastItsTimeoutReportsTimedOutAndStopsTheUpstream() throws Exception {
    long abortedBefore = streamsAborted();
    start(config().llm(URI.create(slowLlm.baseUrl()), null).models(List.of("m1")).dataDir(dataDir));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(chat("t-late", "w ".repeat(40).strip(), true).setTimeoutMs(1_000).build());

    assertThat(call.awaitResult("t-late").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    await().until(() -> streamsAborted() > abortedBefore);
  }

  @Test
  void aProcessRunsWithItsStdinAndAnswersItsStdout() {
    start(programs());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(run("t-upper", "upper", false).addInputs(blob("text/plain", "quiet please")).build());

    ResultDescriptor r = call.awaitResult("t-upper");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(r.getOutputs(0).getBlob().getData().toStringUtf8()).isEqualTo("QUIET PLEASE");
    assertThat(chunks(call, "t-upper")).isEmpty();
  }

  @Test
  void aCancelStopsTheProcessTreeAndReportsCancelled() {
    Worker worker = start(programs());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = run("t-tree", "tree", true).build();
    call.dispatch(t);
    List<Long> pids = treePids(call, "t-tree");

    call.cancel(t, "the client gave up");

    ResultDescriptor r = call.awaitResult("t-tree");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_CANCELLED);
    await().until(() -> pids.stream().noneMatch(WorkerProgramSpecTest::alive));
    assertThat(worker.running()).isZero();
    int result = call.indexOf(WorkerMessage::hasResult);
    assertThat(call.received().subList(result, call.received().size())).noneMatch(WorkerMessage::hasChunk);
  }

  @Test
  void aTimeoutKillsTheProcessTreeAndReportsTimedOut() {
    start(programs());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(run("t-slow", "tree", true).setTimeoutMs(1_500).build());
    List<Long> pids = treePids(call, "t-slow");

    ResultDescriptor r = call.awaitResult("t-slow");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    await().until(() -> pids.stream().noneMatch(WorkerProgramSpecTest::alive));
  }

  @Test
  void drainHandsBackARunningProcessAndKillsIt() throws Exception {
    Worker worker = start(programs().drainTimeout(Duration.ofMillis(100)));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(run("t-long", "tree", true).build());
    List<Long> pids = treePids(call, "t-long");

    CompletableFuture.runAsync(() -> worker.close()).get(10, TimeUnit.SECONDS);

    assertThat(call.awaitResult("t-long").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    await().until(() -> pids.stream().noneMatch(WorkerProgramSpecTest::alive));
  }

  @Test
  void admissionRejectsWithTheProtocolsReasons() {
    start(programs().maxTaskBytes(4096));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(run("t-rm", "rm", false).build());
    call.dispatch(chat("t-model", "hi", false).setModel("m2").build());
    call.dispatch(task("t-json", "llm.chat@1", blob("application/json", "{oops")).setModel("m1").build());
    call.dispatch(task("t-ref", "llm.chat@1", dataRef()).setModel("m1").build());
    call.dispatch(chat("t-big", "x".repeat(5000), false).build());

    assertRejected(call, "t-rm", RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "not allowlisted");
    assertRejected(call, "t-model", RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "m2");
    assertRejected(call, "t-json", RejectReason.REJECT_REASON_BAD_INPUT, "not valid JSON");
    assertRejected(call, "t-ref", RejectReason.REJECT_REASON_BAD_INPUT, "DataRef");
    assertRejected(call, "t-big", RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT, "max_task_bytes 4096");
  }

  @Test
  void withoutAnLlmServerOrCommandsThoseOperatorsAreNeitherAdvertisedNorRun() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    assertThat(call.awaitHello().getOperatorsList()).doesNotContain("llm.chat@1", "llm.complete@1", "process.run@1");
    call.dispatch(run("t-none", "upper", false).build());
    assertRejected(call, "t-none", RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "process.run@1");
  }

  private static void assertRejected(OrchestratorDouble.Call call, String taskId, RejectReason reason, String detail) {
    TaskAck ack = call.awaitAck(taskId);
    assertThat(ack.getAccepted()).as("%s accepted", taskId).isFalse();
    assertThat(ack.getReason()).as(taskId).isEqualTo(reason);
    assertThat(ack.getDetail()).contains(detail);
    assertThat(call.results(taskId)).isEmpty();
  }
}
