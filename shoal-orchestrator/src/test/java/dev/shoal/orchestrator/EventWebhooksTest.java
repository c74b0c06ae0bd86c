package dev.shoal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/webhooks} on a whole orchestrator: subscribe, receive what a submission causes, list, delete. */
class EventWebhooksTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private HttpServer receiver;
  private Orchestrator orchestrator;

  @BeforeEach
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/hook", exchange -> {
      received.add(MAPPER.readTree(exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stop() {
    if (orchestrator != null) {
      orchestrator.close();
    }
    receiver.stop(0);
    http.close();
  }

  private Orchestrator orchestrator(boolean allowPrivate) {
    return Orchestrator.create(
            OrchestratorConfig.builder().grpcPort(0).httpPort(0).dataDir(dir).fsync(false)
                .webhookAllowPrivate(allowPrivate).build())
        .start();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orchestrator.httpPort() + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String hook() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  @Test
  void aSubscribedUrlReceivesTheMatchingEventsOfASubmission() throws Exception {
    orchestrator = orchestrator(true);
    HttpResponse<String> created =
        send("POST", "/v1/webhooks",
            "{\"url\": \"" + hook() + "\", \"secret\": \"sixteen-chars-at-least\", \"types\": [\"task.published\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode view = MAPPER.readTree(created.body());
    assertThat(view.has("secret")).isFalse();
    assertThat(view.get("filter").get("types")).extracting(JsonNode::asText).containsExactly("task.published");

    String task =
        MAPPER.readTree(send("POST", "/v1/tasks", "{\"operator\": \"process.run@1\", \"command\": \"echo\"}").body())
            .get("id").asText();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    assertThat(received).singleElement().satisfies(batch -> {
      assertThat(batch.get("subscription").asText()).isEqualTo(view.get("id").asText());
      assertThat(batch.get("events")).singleElement().satisfies(e -> {
        assertThat(e.get("type").asText()).isEqualTo("task.published");
        assertThat(e.get("task_id").asText()).isEqualTo(task);
      });
    });

    // The cursor is stored once the receiver's 204 is in, just after the receiver saw the batch.
    JsonNode listed =
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
            .until(() -> MAPPER.readTree(send("GET", "/v1/webhooks", null).body()).get("webhooks"),
                w -> w.get(0).get("cursor").asLong() > 0);
    assertThat(listed).singleElement().satisfies(w -> {
      assertThat(w.get("cursor").asLong()).isPositive();
      assertThat(w.get("active").asBoolean()).isTrue();
      assertThat(w.get("failures").asInt()).isZero();
    });
    assertThat(send("DELETE", "/v1/webhooks/" + view.get("id").asText(), null).statusCode()).isEqualTo(200);
    assertThat(send("DELETE", "/v1/webhooks/" + view.get("id").asText(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void loopbackTargetsAndBadBodiesAreRefusedByDefault() throws Exception {
    orchestrator = orchestrator(false);
    HttpResponse<String> loopback =
        send("POST", "/v1/webhooks", "{\"url\": \"" + hook() + "\", \"secret\": \"sixteen-chars-at-least\"}");
    assertThat(loopback.statusCode()).isEqualTo(400);
    assertThat(loopback.body()).contains("loopback");
    assertThat(send("POST", "/v1/webhooks", "{\"url\": \"https://h.example.com\", \"secret\": \"x\", \"color\": 1}").body())
        .contains("color is not a known field");
    assertThat(send("POST", "/v1/webhooks", "{\"url\": \"https://h.example.com\", \"secret\": \"sixteen-chars-at-least\", \"types\": [\"nope\"]}").body())
        .contains("unknown event type");
    assertThat(MAPPER.readTree(send("GET", "/v1/webhooks", null).body()).get("webhooks")).isEmpty();
  }
}
