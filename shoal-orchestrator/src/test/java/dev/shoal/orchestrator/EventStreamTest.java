package dev.shoal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.protocol.v1.Event;
import dev.shoal.protocol.v1.EventsGrpc;
import dev.shoal.protocol.v1.SubscribeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal.v1.Events/Subscribe} over real gRPC (Netty, loopback) against a whole orchestrator
 * with a data directory: the events the HTTP API's submissions cause, the key check, the errors,
 * and a resume across a restart with no gap and no duplicate.
 */
class EventStreamTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TASK = "{\"operator\": \"process.run@1\", \"command\": \"echo\", \"prompt\": \"hi\"}";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Orchestrator orchestrator;

  private Orchestrator start() {
    return Orchestrator.create(
            OrchestratorConfig.builder().grpcPort(0).httpPort(0).dataDir(dir).fsync(false).build())
        .start();
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (orchestrator != null) {
      orchestrator.close();
    }
    http.close();
  }

  private EventsGrpc.EventsBlockingStub events(String key) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", orchestrator.grpcPort()).usePlaintext().build();
    channels.add(channel);
    EventsGrpc.EventsBlockingStub stub = EventsGrpc.newBlockingStub(channel);
    if (key != null) {
      Metadata m = new Metadata();
      m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
    return stub;
  }

  private String post(String path, String body, String key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orchestrator.httpPort() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
    return r.body();
  }

  /** Queues a task no worker can take yet: its job and task are published at once. */
  private String submit(String key) throws Exception {
    return MAPPER.readTree(post("/v1/tasks", TASK, key)).get("id").asText();
  }

  private static List<Event> take(Iterator<Event> stream, int n) {
    List<Event> out = new ArrayList<>();
    while (out.size() < n) {
      out.add(stream.next());
    }
    return out;
  }

  @Test
  void aSubscriberGetsPublishedTasksInOrderThenLiveOnes() throws Exception {
    orchestrator = start();
    String first = submit(null);
    Iterator<Event> stream =
        events(null).withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(SubscribeRequest.newBuilder().setAfter(0).build());
    List<Event> got = take(stream, 2);
    assertThat(got).extracting(Event::getType).containsExactly("job.published", "task.published");
    assertThat(got.get(1).getTaskId()).isEqualTo(first);
    assertThat(got.get(1).getDetail()).isEqualTo("process.run@1");
    assertThat(got.get(1).getSeq()).isEqualTo(got.get(0).getSeq() + 1);

    String second = submit(null);
    Event live = take(stream, 2).get(1);
    assertThat(live.getTaskId()).isEqualTo(second);

    Iterator<Event> filtered =
        events(null).withDeadlineAfter(30, TimeUnit.SECONDS)
            .subscribe(SubscribeRequest.newBuilder().addTypes("task.*").setTaskId(second).build());
    assertThat(filtered.next().getSeq()).isEqualTo(live.getSeq());
  }

  @Test
  void badRequestsAndMissingKeysAreRefused() throws Exception {
    orchestrator = start();
    assertThatThrownBy(() -> events(null).subscribe(SubscribeRequest.newBuilder().addTypes("task.exploded").build()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("unknown event type");
    assertThatThrownBy(() -> events(null).subscribe(SubscribeRequest.newBuilder().setAfter(1_000_000).build()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

    String key = MAPPER.readTree(post("/v1/keys", "{\"name\": \"reader\", \"scopes\": [\"admin\"]}", null)).get("key").asText();
    assertThatThrownBy(() -> events(null).subscribe(SubscribeRequest.getDefaultInstance()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> events("shk_nope_nope").subscribe(SubscribeRequest.getDefaultInstance()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    submit(key);
    Iterator<Event> stream = events(key).withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(SubscribeRequest.newBuilder().addTypes("task.published").build());
    assertThat(stream.next().getType()).isEqualTo("task.published");
  }

  @Test
  void aSubscriberResumesAfterARestartWithNoGapAndNoDuplicate() throws Exception {
    orchestrator = start();
    submit(null);
    submit(null);
    Iterator<Event> stream = events(null).withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(SubscribeRequest.getDefaultInstance());
    List<Event> before = take(stream, 4);
    long last = before.getLast().getSeq();

    orchestrator.close();
    // The stream ends with UNAVAILABLE (or the connection drops): either way, resume after `last`.
    assertThatThrownBy(() -> {
          while (stream.hasNext()) {
            Event extra = stream.next();
            assertThat(extra.getSeq()).isGreaterThan(last);
          }
        })
        .isInstanceOf(StatusRuntimeException.class);

    orchestrator = start();
    String after = submit(null);
    Iterator<Event> resumed =
        events(null).withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(SubscribeRequest.newBuilder().setAfter(last).build());
    List<Event> next = new ArrayList<>();
    // Whatever the restart itself logged (the queued tasks' recovery), then the new task.
    while (next.isEmpty() || !next.getLast().getTaskId().equals(after) || !next.getLast().getType().equals("task.published")) {
      next.add(resumed.next());
    }
    List<Long> seqs = new ArrayList<>(before.stream().map(Event::getSeq).toList());
    next.forEach(e -> seqs.add(e.getSeq()));
    for (int i = 1; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).as("dense, increasing: %s", seqs).isEqualTo(seqs.get(i - 1) + 1);
    }
    assertThat(next.getLast().getAtMs()).isGreaterThanOrEqualTo(before.getLast().getAtMs());
  }
}
