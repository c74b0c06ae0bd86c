package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.TaskWatcher;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Value;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/tasks/run} and {@code /stream} answered from the thread that delivers the
 * task's events (the test, playing the core), in API.md's shapes, over a real connection.
 */
class TaskAnswerTest {

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
  void runAnswersTheResultWhenTheTaskEnds() throws Exception {
    try (OpenAiAnswerTest.Connection c = connect()) {
      c.post("/v1/tasks/run", CHAT);
      TaskWatcher core = watcher();
      String id = jobs.submitted.getFirst().jobId() + ".t";

      core.started(1, "p1", "gpu-1");
      core.finished(succeeded(id, "{\"text\": \"hello\", \"finish_reason\": \"stop\"}"));

      OpenAiAnswerTest.Reply r = c.readReply();
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
    try (OpenAiAnswerTest.Connection c = connect()) {
      c.post("/v1/tasks/run", CHAT);
      TaskWatcher core = watcher();
      String id = jobs.submitted.getFirst().jobId() + ".t";

      core.finished(new TaskStatus(
          id.substring(0, id.indexOf('.')), "t", 0, "llm.chat@1", TaskState.FAILED, 1, 2, "upstream said 500", List.of(), null,
          "first_valid", null, List.of()));

      OpenAiAnswerTest.Reply r = c.readReply();
      assertThat(r.status()).isEqualTo(502);
      JsonNode error = MAPPER.readTree(r.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("task_failed");
      assertThat(error.path("message").asText()).contains("upstream said 500");
    }
  }

  @Test
  void streamSendsStartedChunksAndTheResultAsNamedEvents() throws Exception {
    try (OpenAiAnswerTest.Connection c = connect()) {
      c.post("/v1/tasks/stream", CHAT);
      TaskWatcher core = watcher();
      String id = jobs.submitted.getFirst().jobId() + ".t";
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

  private TaskWatcher watcher() throws InterruptedException {
    for (int i = 0; i < 500 && jobs.watchers.isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertThat(jobs.watchers).hasSize(1);
    return jobs.watchers.getFirst();
  }

  private static TaskStatus succeeded(String id, String answerJson) {
    ResultDescriptor r =
        ResultDescriptor.newBuilder()
            .setStatus(ResultStatus.RESULT_STATUS_OK)
            .addOutputs(Value.newBuilder().setBlob(Blob.newBuilder().setData(ByteString.copyFromUtf8(answerJson))))
            .build();
    return new TaskStatus(
        id.substring(0, id.indexOf('.')), "t", 0, "llm.chat@1", TaskState.SUCCEEDED, 0, 2, null,
        List.of(new AttemptStatus(1, "p1", AttemptState.COMPLETED, 100, 200, "")), r, "first_valid", null, List.of());
  }

  private OpenAiAnswerTest.Connection connect() throws Exception {
    return new OpenAiAnswerTest.Connection(new Socket(InetAddress.getLoopbackAddress(), api.port()));
  }
}
