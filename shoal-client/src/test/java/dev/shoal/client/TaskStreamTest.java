package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.internal.TaskEvents;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A task stream read from an event-stream body, as {@code POST /v1/tasks/stream} sends it (API.md, "Streaming"). */
class TaskStreamTest {

  static final String STARTED = "event: started\ndata: {\"id\": \"j1.t\", \"worker\": {\"peer_id\": \"wA\", \"name\": \"gpu-box-1\"}, \"attempt\": 1}\n\n";
  static final String CHUNKS =
      "event: chunk\ndata: {\"attempt\": 1, \"channel\": \"tokens\", \"text\": \"Hel\"}\n\n"
          + ": keep-alive\n\n"
          + "event: chunk\ndata: {\"attempt\": 1, \"channel\": \"tokens\", \"text\": \"lo!\"}\n\n";
  static final String RESULT =
      "event: result\ndata: {\"id\": \"j1.t\", \"state\": \"succeeded\", \"operator\": \"llm.chat@1\","
          + " \"worker\": {\"peer_id\": \"wA\", \"name\": \"gpu-box-1\"}, \"attempt\": 1, \"duration_ms\": 812,"
          + " \"text\": \"Hello!\", \"finish_reason\": \"stop\", \"model\": \"llama3.2\","
          + " \"usage\": {\"prompt_tokens\": 9, \"completion_tokens\": 3, \"total_tokens\": 12}}\n\n";
  static final String FAILED =
      "event: error\ndata: {\"id\": \"j1.t\", \"error\": {\"code\": \"task_failed\", \"message\": \"the worker went away\"}}\n\n";

  @Test
  void eventsArriveInOrderAndTheResultEndsTheStream() {
    List<StreamEvent> events = new ArrayList<>();
    try (TaskStream stream = stream(STARTED + CHUNKS + "event: progress\ndata: {}\n\n" + RESULT + "event: chunk\ndata: {}\n\n")) {
      stream.forEach(events::add);
    }

    assertThat(events).hasSize(4);
    assertThat(events.get(0)).isEqualTo(new StreamEvent.Started("j1.t", new TaskResult.WorkerRef("wA", "gpu-box-1"), 1));
    assertThat(events.get(1)).isEqualTo(new StreamEvent.Chunk(1, StreamEvent.Channel.TOKENS, "Hel"));
    assertThat(events.get(2)).isEqualTo(new StreamEvent.Chunk(1, StreamEvent.Channel.TOKENS, "lo!"));
    TaskResult r = ((StreamEvent.Result) events.get(3)).result();
    assertThat(r.text()).isEqualTo("Hello!");
    assertThat(r.usage()).isEqualTo(new TaskResult.Usage(9, 3, 12));
    assertThat(r.duration()).isEqualTo(Duration.ofMillis(812));
    assertThat(r.worker().peerId()).isEqualTo("wA");
  }

  @Test
  void resultReadsToTheEndOrThrowsTheError() {
    try (TaskStream ok = stream(STARTED + CHUNKS + RESULT)) {
      assertThat(ok.result().finishReason()).isEqualTo("stop");
    }
    try (TaskStream failed = stream(STARTED + FAILED)) {
      assertThatThrownBy(failed::result)
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              e -> {
                assertThat(e.taskId()).isEqualTo("j1.t");
                assertThat(e.status()).isEqualTo(502);
                assertThat(e).hasMessage("the worker went away");
              });
    }
  }

  @Test
  void anErrorEventIsAValueThatEndsTheStream() {
    List<StreamEvent> events = new ArrayList<>();
    try (TaskStream stream = stream(STARTED + FAILED)) {
      stream.forEach(events::add);
    }

    assertThat(events).last().isEqualTo(new StreamEvent.Error("j1.t", "task_failed", "the worker went away"));
    assertThat(events.getLast().terminal()).isTrue();
  }

  @Test
  void aStreamThatEndsOrBreaksBeforeItsResultIsAConnectionFailure() {
    try (TaskStream ended = stream(STARTED + CHUNKS)) {
      assertThatThrownBy(() -> ended.forEach(e -> {}))
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("ended before the task's result");
    }
    InputStream breaks = new SequenceInputStream(bytes(STARTED), new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("connection reset");
      }
    });
    try (TaskStream broken = new TaskStream(new TaskEvents(breaks, new ObjectMapper(), "POST /v1/tasks/stream"))) {
      var it = broken.iterator();
      assertThat(it.next()).isInstanceOf(StreamEvent.Started.class);
      assertThatThrownBy(it::hasNext).isInstanceOf(ConnectionException.class).hasMessageContaining("connection reset");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void malformedEventsAreProtocolErrors() {
    for (String bad :
        List.of(
            "event: started\ndata: not json\n\n",
            "event: chunk\ndata: [1, 2]\n\n",
            "event: chunk\ndata: {\"attempt\": 1, \"channel\": \"video\", \"text\": \"x\"}\n\n",
            "event: result\ndata: {\"state\": \"succeeded\"}\n\n",
            "event: error\ndata: {\"id\": \"j1.t\"}\n\n")) {
      try (TaskStream s = stream(bad)) {
        assertThatThrownBy(() -> s.forEach(e -> {})).as(bad).isInstanceOf(ProtocolException.class);
      }
    }
  }

  @Test
  void closingEarlyReleasesTheConnection() {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream body =
        new ByteArrayInputStream((STARTED + CHUNKS + RESULT).getBytes(StandardCharsets.UTF_8)) {
          @Override
          public void close() {
            closed.set(true);
          }
        };
    List<StreamEvent> seen = new ArrayList<>();
    try (TaskStream stream = new TaskStream(new TaskEvents(body, new ObjectMapper(), "POST /v1/tasks/stream"))) {
      for (StreamEvent e : stream) {
        seen.add(e);
        if (e instanceof StreamEvent.Chunk) {
          break;
        }
      }
      assertThat(closed).isFalse();
    }

    assertThat(closed).isTrue();
    assertThat(seen).hasSize(2);
  }

  @Test
  void aStreamIsIteratedOnce() {
    try (TaskStream s = stream(STARTED + RESULT)) {
      s.iterator();
      assertThatThrownBy(s::iterator).isInstanceOf(IllegalStateException.class);
    }
  }

  private static TaskStream stream(String body) {
    return new TaskStream(new TaskEvents(bytes(body), new ObjectMapper(), "POST /v1/tasks/stream"));
  }

  private static InputStream bytes(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }
}
