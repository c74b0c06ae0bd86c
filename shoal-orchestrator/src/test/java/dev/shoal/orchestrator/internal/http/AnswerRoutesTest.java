package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.TaskWatcher;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Value;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Answers to waiting clients — the OpenAI routes, task run and stream — written by the thread that
 * delivers the task's events (here the test, playing the core through the watcher the route
 * submitted), over a real connection: streamed as the events come, whole at the end, and never
 * blocking that thread on a client that does not read.
 */
class AnswerRoutesTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CHAT =
      "{\"operator\": \"llm.chat@1\", \"model\": \"llama3.2\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

  private final HttpApiTest.FakeJobs jobs = new HttpApiTest.FakeJobs();
  private HttpApi api;

  @BeforeEach
  void start() {
    api = new HttpApi(jobs, new JobPlanner(OperatorRegistry.standard()), new ResultAssembler(), "127.0.0.1", 0, 64 * 1024).start();
  }

  @AfterEach
  void stop() {
    api.stop();
  }

  @Test
  void aWholeAnswerIsWrittenWhenTheTaskEnds() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/chat/completions", "{\"model\": \"llama3.2\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String taskId = submittedTaskId();

      core.started(1, "p1", "gpu-1");
      core.finished(succeeded(taskId, "{\"text\": \"hello\", \"model\": \"llama3.2\", \"finish_reason\": \"stop\","
          + " \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 1, \"total_tokens\": 4}}"));

      Reply r = c.readReply();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).contains("shoal-task-id: " + taskId);
      JsonNode body = MAPPER.readTree(r.body());
      assertThat(body.path("id").asText()).isEqualTo("chatcmpl-" + taskId);
      assertThat(body.path("object").asText()).isEqualTo("chat.completion");
      assertThat(body.path("choices").get(0).path("message").path("content").asText()).isEqualTo("hello");
      assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
      assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(4);
    }
  }

  @Test
  void aFailedTaskIsOpenAisErrorEnvelope() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/chat/completions", "{\"model\": \"llama3.2\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String taskId = submittedTaskId();

      core.finished(ended(taskId, TaskState.FAILED, "upstream said 500"));

      Reply r = c.readReply();
      assertThat(r.status()).isGreaterThanOrEqualTo(400);
      assertThat(r.headers()).contains("shoal-task-id: " + taskId);
      assertThat(MAPPER.readTree(r.body()).path("error").path("message").asText()).contains("upstream said 500");
    }
  }

  @Test
  void tokensGoOutAsTheyComeThenTheEndAndDone() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/chat/completions",
          "{\"model\": \"llama3.2\", \"stream\": true, \"stream_options\": {\"include_usage\": true},"
              + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String taskId = submittedTaskId();

      assertThat(c.readHead()).startsWith("HTTP/1.1 200").contains("text/event-stream").contains("shoal-task-id: " + taskId);
      core.chunk(1, "tokens", ByteString.copyFromUtf8("Hel"));
      // The first token reaches the client before the task has ended: nothing waits for the end.
      JsonNode first = c.readEvent();
      assertThat(first.path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
      assertThat(first.path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
      core.chunk(1, "tokens", ByteString.copyFromUtf8("lo"));
      core.chunk(1, "log", ByteString.copyFromUtf8("not for the client"));
      assertThat(c.readEvent().path("choices").get(0).path("delta").path("content").asText()).isEqualTo("lo");

      core.finished(succeeded(taskId, "{\"text\": \"Hello\", \"finish_reason\": \"length\","
          + " \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 2, \"total_tokens\": 5}}"));

      assertThat(c.readEvent().path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
      assertThat(c.readEvent().path("usage").path("completion_tokens").asInt()).isEqualTo(2);
      assertThat(c.readLine()).isEqualTo("data: [DONE]");
      assertThat(jobs.cancelledTasks).isEmpty();
    }
  }

  @Test
  void aClientThatStopsReadingNeverHoldsTheCoreAndIsDroppedWithItsTask() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/chat/completions", "{\"model\": \"llama3.2\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String taskId = submittedTaskId();
      ByteString token = ByteString.copyFromUtf8("x".repeat(64 * 1024));

      // The client reads nothing. Up to 64 MiB, far more than the queue's bound and the sockets'
      // buffers: a blocking write would hang here; the core's calls must all return.
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
        for (int i = 0; i < 1024 && jobs.cancelledTasks.isEmpty(); i++) {
          core.chunk(1, "tokens", token);
        }
      });

      assertThat(jobs.cancelledTasks).containsExactly(taskId);
      // Its end, when the cancellation lands, has nowhere to go and changes nothing.
      core.finished(ended(taskId, TaskState.CANCELLED, "cancelled"));
      assertThat(jobs.cancelledTasks).containsExactly(taskId);
    }
  }

  @Test
  void aClientThatLeavesMidStreamCancelsItsTask() throws Exception {
    Connection c = connect();
    c.post("/v1/chat/completions", "{\"model\": \"llama3.2\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
    TaskWatcher core = watcherOfTheOneSubmittedTask();
    String taskId = submittedTaskId();
    c.readHead();
    c.close();

    // The server learns of the close only when a write fails, a token or two later.
    boolean cancelled = false;
    for (int i = 0; i < 200 && !cancelled; i++) {
      core.chunk(1, "tokens", ByteString.copyFromUtf8("token " + i));
      cancelled = jobs.cancelAsked.tryAcquire(10, TimeUnit.MILLISECONDS);
    }

    assertThat(jobs.cancelledTasks).containsExactly(taskId);
  }

  // ---------------------------------------------------------------- /v1/tasks/run and /stream

  @Test
  void runAnswersTheResultWhenTheTaskEnds() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/tasks/run", CHAT);
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String id = submittedTaskId();

      core.started(1, "p1", "gpu-1");
      core.finished(succeeded(id, "{\"text\": \"hello\", \"finish_reason\": \"stop\"}"));

      Reply r = c.readReply();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).contains("shoal-task-id: " + id);
      JsonNode body = MAPPER.readTree(r.body());
      assertThat(body.path("id").asText()).isEqualTo(id);
      assertThat(body.path("state").asText()).isEqualTo("succeeded");
      assertThat(body.path("text").asText()).isEqualTo("hello");
    }
  }

  @Test
  void runAnswersAFailureInShoalsEnvelope() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/tasks/run", CHAT);
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String id = submittedTaskId();

      core.finished(ended(id, TaskState.FAILED, "upstream said 500"));

      Reply r = c.readReply();
      assertThat(r.status()).isEqualTo(502);
      JsonNode error = MAPPER.readTree(r.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("task_failed");
      assertThat(error.path("message").asText()).contains("upstream said 500");
    }
  }

  @Test
  void streamSendsStartedChunksAndTheResultAsNamedEvents() throws Exception {
    try (Connection c = connect()) {
      c.post("/v1/tasks/stream", CHAT);
      TaskWatcher core = watcherOfTheOneSubmittedTask();
      String id = submittedTaskId();
      assertThat(c.readHead()).contains("text/event-stream").contains("shoal-task-id: " + id);

      core.started(1, "p1", "gpu-1");
      JsonNode started = c.readEvent();
      assertThat(started.path("worker").path("peer_id").asText()).isEqualTo("p1");
      assertThat(started.path("attempt").asInt()).isEqualTo(1);
      core.chunk(1, "tokens", ByteString.copyFromUtf8("hel"));
      assertThat(c.readEvent().path("text").asText()).isEqualTo("hel");
      core.finished(succeeded(id, "{\"text\": \"hello\", \"finish_reason\": \"stop\"}"));
      JsonNode result = c.readEvent();
      assertThat(result.path("state").asText()).isEqualTo("succeeded");
      assertThat(result.path("text").asText()).isEqualTo("hello");
      assertThat(jobs.cancelledTasks).isEmpty();
    }
  }

  @Test
  void openStreamsHoldNoRequestThreads() throws Exception {
    int streams = 64;
    List<Connection> clients = new ArrayList<>();
    try {
      for (int i = 0; i < streams; i++) {
        Connection c = connect();
        clients.add(c);
        c.post("/v1/chat/completions", "{\"model\": \"llama3.2\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        c.readHead();
      }
      assertThat(jobs.watchers).hasSize(streams);

      // Every stream is open and waiting on its task, and the server's request threads are free:
      // a thread per stream would be 64 here, and cap streams at the pool's size.
      assertThat(requestThreads()).isLessThan(streams / 2);
      for (int i = 0; i < streams; i++) {
        jobs.watchers.get(i).chunk(1, "tokens", ByteString.copyFromUtf8("t" + i));
      }
      for (int i = 0; i < streams; i++) {
        assertThat(clients.get(i).readEvent().path("choices").get(0).path("delta").path("content").asText()).isEqualTo("t" + i);
      }
    } finally {
      for (Connection c : clients) {
        c.close();
      }
    }
  }

  /** Live threads of the HTTP server's pool (named http-N). */
  private static long requestThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("http-")).count();
  }

  // ---------------------------------------------------------------- helpers

  private TaskWatcher watcherOfTheOneSubmittedTask() throws InterruptedException {
    return watcherOf(jobs);
  }

  /** The watcher of the one task submitted so far; the handler submits once it has read the request. */
  static TaskWatcher watcherOf(HttpApiTest.FakeJobs jobs) throws InterruptedException {
    assertThat(jobs.watcherAdded.tryAcquire(5, TimeUnit.SECONDS)).as("the handler submitted").isTrue();
    assertThat(jobs.watchers).hasSize(1);
    return jobs.watchers.getFirst();
  }

  /** The full id ({@code job.t}) of the one task the test's request submitted. */
  private String submittedTaskId() {
    return jobs.submitted.getFirst().jobId() + ".t";
  }

  /** An {@code llm.chat@1} task's end without a result: failed or cancelled, with its error. */
  static TaskStatus ended(String taskId, TaskState state, String error) {
    String job = taskId.substring(0, taskId.indexOf('.'));
    return new TaskStatus(job, "t", 0, "llm.chat@1", state, 1, 3, error, List.of(), null, "first_valid", null, List.of());
  }

  /** An {@code llm.chat@1} task's end with an accepted answer, from attempt 1 on peer p1. */
  static TaskStatus succeeded(String taskId, String answerJson) {
    ResultDescriptor r =
        ResultDescriptor.newBuilder()
            .setStatus(ResultStatus.RESULT_STATUS_OK)
            .addOutputs(Value.newBuilder().setBlob(Blob.newBuilder().setData(ByteString.copyFromUtf8(answerJson))))
            .build();
    String job = taskId.substring(0, taskId.indexOf('.'));
    return new TaskStatus(
        job, "t", 0, "llm.chat@1", TaskState.SUCCEEDED, 0, 3, null,
        List.of(new AttemptStatus(1, "p1", AttemptState.COMPLETED, 100, 200, "")), r, "first_valid", null, List.of());
  }

  private Connection connect() throws Exception {
    return new Connection(new Socket(InetAddress.getLoopbackAddress(), api.port()));
  }

  record Reply(int status, String headers, String body) {}

  /** A raw HTTP/1.1 client: the test decides when, and whether, the response is read. */
  static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;

    Connection(Socket socket) throws Exception {
      this.socket = socket;
      socket.setReceiveBufferSize(4096);
      this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    void post(String path, String json) throws Exception {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
    }

    /** The status line and headers, lower-cased, one per line. */
    String readHead() throws Exception {
      StringBuilder head = new StringBuilder();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        head.append(line.toLowerCase(java.util.Locale.ROOT).replace("http/1.1", "HTTP/1.1")).append('\n');
      }
      return head.toString();
    }

    Reply readReply() throws Exception {
      String head = readHead();
      int status = Integer.parseInt(head.substring(9, 12));
      int length = -1;
      for (String h : head.split("\n")) {
        if (h.startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).strip());
        }
      }
      assertThat(length).as("a whole answer says its length").isPositive();
      char[] body = new char[length];
      int n = 0;
      while (n < length) {
        n += in.read(body, n, length - n);
      }
      return new Reply(status, head, new String(body, 0, n));
    }

    /** The next {@code data:} event's JSON, skipping chunked encoding's size lines and blanks. */
    JsonNode readEvent() throws Exception {
      String line = readLine();
      return MAPPER.readTree(line.substring("data: ".length()));
    }

    /** The next line that is an event's data. */
    String readLine() throws Exception {
      List<String> skipped = new ArrayList<>();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("data: ")) {
          return line;
        }
        skipped.add(line);
      }
      throw new AssertionError("the stream ended; read " + skipped);
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
