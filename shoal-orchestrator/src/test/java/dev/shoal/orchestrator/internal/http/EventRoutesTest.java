package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/events} over real HTTP, against a feed this test commits events to. */
class EventRoutesTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final MemoryStore store = new MemoryStore(5, 10);
  private final EventFeed feed = new EventFeed(store, 3);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HttpApi api;
  private long next = 1;

  @BeforeEach
  void start() {
    api =
        new HttpApi(
                new HttpApiTest.FakeJobs(), new JobPlanner(OperatorRegistry.standard()), new ResultAssembler(),
                "127.0.0.1", 0, 64 * 1024, HttpApi.Access.open(), new HttpApi.Events(feed, null))
            .start();
  }

  @AfterEach
  void stop() {
    api.stop();
    client.close();
  }

  private void commit(String type, String job, String worker) {
    List<StoreWrite> batch =
        List.of(
            new StoreWrite.AppendEvent(
                new EventRecord(next, 1000 + next, type, "attempt", job, "t", 1, worker, "", "DISPATCHED", "to " + worker, "",
                    "", "")));
    next++;
    store.apply(batch);
    feed.committed(batch);
  }

  private HttpResponse<String> get(String query, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/events" + query));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPageListsEventsAfterTheCursorInTheirWireShape() throws Exception {
    commit(EventTypes.TASK_ASSIGNED, "j1", "w1");
    commit(EventTypes.RESULT_SUBMITTED, "j1", "w1");
    commit(EventTypes.TASK_ASSIGNED, "j2", "w2");

    HttpResponse<String> r = get("?after=1");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = MAPPER.readTree(r.body());
    assertThat(body.get("events")).hasSize(2);
    JsonNode first = body.get("events").get(0);
    assertThat(first.get("seq").asLong()).isEqualTo(2);
    assertThat(first.get("type").asText()).isEqualTo("result.submitted");
    assertThat(first.get("task_id").asText()).isEqualTo("j1.t");
    assertThat(first.get("worker").asText()).isEqualTo("w1");
    assertThat(first.get("attempt").asInt()).isEqualTo(1);
    assertThat(first.has("service")).as("empty fields are left out").isFalse();
    assertThat(body.get("next_after").asLong()).isEqualTo(3);
    assertThat(body.get("head").asLong()).isEqualTo(3);

    JsonNode filtered = MAPPER.readTree(get("?type=task.assigned&worker=w2").body());
    assertThat(filtered.get("events")).singleElement().satisfies(e -> assertThat(e.get("seq").asLong()).isEqualTo(3));
    JsonNode byTask = MAPPER.readTree(get("?task=j1.t&type=result.submitted,task.assigned").body());
    assertThat(byTask.get("events")).extracting(e -> e.get("seq").asLong()).containsExactly(1L, 2L);
  }

  @Test
  void badQueriesAreClearErrors() throws Exception {
    HttpResponse<String> unknown = get("?type=task.exploded");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("invalid_argument").contains("unknown event type");
    assertThat(get("?after=-1").statusCode()).isEqualTo(400);
    assertThat(get("?wait=31").statusCode()).isEqualTo(400);
    assertThat(get("?limit=0").statusCode()).isEqualTo(400);

    commit(EventTypes.TASK_ASSIGNED, "j1", "w1");
    HttpResponse<String> ahead = get("?after=99");
    assertThat(ahead.statusCode()).isEqualTo(409);
    assertThat(ahead.body()).contains("beyond the newest event (1)");
  }

  @Test
  void droppedEventsAreGoneWithWhereToResume() throws Exception {
    for (int i = 0; i < 8; i++) {
      commit(EventTypes.TASK_ASSIGNED, "j" + i, "w1");
    }
    // The store keeps the newest 5 (4..8).
    HttpResponse<String> gone = get("?after=1");
    assertThat(gone.statusCode()).isEqualTo(410);
    assertThat(gone.body()).contains("events_gone").contains("after=3");
    assertThat(MAPPER.readTree(get("?after=3").body()).get("events")).hasSize(5);
  }

  @Test
  void aFollowerGetsEachEventWithItsSeqAsIdAndCanResumeByLastEventId() throws Exception {
    commit(EventTypes.TASK_ASSIGNED, "j1", "w1");
    HttpResponse<InputStream> stream = client.send(follow("?type=task.assigned"), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(readEvent(lines)).containsExactly("id: 1", "event: task.assigned", "data: " + dataOf(1));
      // Committed after the follower connected: it arrives without asking; the filtered one does not.
      commit(EventTypes.RESULT_SUBMITTED, "j1", "w1");
      commit(EventTypes.TASK_ASSIGNED, "j2", "w1");
      assertThat(readEvent(lines)).first().isEqualTo("id: 3");
    }
    // A reconnecting EventSource sends the last id it saw.
    commit(EventTypes.TASK_ASSIGNED, "j3", "w1");
    HttpResponse<String> page = get("?type=task.assigned", "Last-Event-ID", "3");
    assertThat(MAPPER.readTree(page.body()).get("events")).extracting(e -> e.get("seq").asLong()).containsExactly(4L);
  }

  @Test
  void followersWaitWithoutHoldingAPlatformThreadAndAllGetTheNextEvent() throws Exception {
    commit(EventTypes.TASK_ASSIGNED, "j1", "w1");
    HttpRequest request = follow("");
    List<BufferedReader> followers = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        HttpResponse<InputStream> stream = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        followers.add(lines);
        assertThat(readEvent(lines)).first().isEqualTo("id: 1");
      }
      // Every follower now waits for the next commit; none of them on a request (platform) thread.
      List<String> waitingOnPlatformThreads = new ArrayList<>();
      Thread.getAllStackTraces().forEach((thread, stack) -> {
        for (StackTraceElement frame : stack) {
          if (frame.getClassName().equals(EventFeed.class.getName())) {
            waitingOnPlatformThreads.add(thread.getName());
            break;
          }
        }
      });
      assertThat(waitingOnPlatformThreads).isEmpty();
      // A normal request is answered meanwhile, and the next event reaches every follower.
      assertThat(get("?limit=1").statusCode()).isEqualTo(200);
      commit(EventTypes.TASK_ASSIGNED, "j2", "w1");
      for (BufferedReader lines : followers) {
        assertThat(readEvent(lines)).first().isEqualTo("id: 2");
      }
      // Stopping the server ends every stream instead of leaving its clients waiting.
      api.stop();
      for (BufferedReader lines : followers) {
        assertThat(endOf(lines)).isTrue();
      }
    } finally {
      for (BufferedReader lines : followers) {
        lines.close();
      }
    }
  }

  private HttpRequest follow(String query) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/events" + query))
        .header("Accept", "text/event-stream")
        .build();
  }

  /** True when the stream ends: cleanly, or cut (a server stopping may close before the last chunk). */
  private static boolean endOf(BufferedReader lines) {
    try {
      return lines.readLine() == null;
    } catch (java.io.IOException cut) {
      return true;
    }
  }

  private String dataOf(long seq) throws Exception {
    return MAPPER.writeValueAsString(MAPPER.readTree(get("?after=" + (seq - 1) + "&limit=1").body()).get("events").get(0));
  }

  /** The lines of the next event, without the blank line that ends it. */
  private static List<String> readEvent(BufferedReader lines) throws Exception {
    List<String> event = new ArrayList<>();
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      if (line.isEmpty()) {
        if (!event.isEmpty()) {
          return event;
        }
      } else if (!line.startsWith(":")) {
        event.add(line);
      }
    }
    throw new AssertionError("the stream ended");
  }
}
