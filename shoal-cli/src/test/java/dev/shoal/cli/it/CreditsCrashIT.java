package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PrincipalProofs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credit books through kill -9: a client publishes paid tasks to a service and cancels some
 * while a worker runs the rest; the orchestrator is killed mid-stream and restarted on its data
 * directory. Every task it acknowledged still exists, each ends paid or refunded, and the books
 * balance: what the client spent is exactly what the worker earned.
 */
class CreditsCrashIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GRANT = 100_000;

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private String url;

  private JsonNode call(String method, String path, String key, String body, int... ok) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (ok.length > 0 && java.util.Arrays.stream(ok).noneMatch(s -> s == r.statusCode())) {
      throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }

  /** What a failure needs to say: every escrow still holding credits, and what its task is doing. */
  private String stuckEscrows(String key) throws Exception {
    java.util.Map<String, Long> open = new java.util.LinkedHashMap<>();
    long after = 0;
    while (true) {
      JsonNode page = call("GET", "/v1/credits/entries?limit=1000&after=" + after, key, null, 200);
      for (JsonNode e : page.get("entries")) {
        String escrow = e.get("to").asText().startsWith("escrow:") ? e.get("to").asText() : e.get("from").asText();
        if (escrow.startsWith("escrow:")) {
          open.merge(escrow, e.get("to").asText().equals(escrow) ? e.get("amount").asLong() : -e.get("amount").asLong(), Long::sum);
        }
      }
      if (page.get("entries").isEmpty()) {
        break;
      }
      after = page.get("next_after").asLong();
    }
    StringBuilder out = new StringBuilder("credits still held:");
    for (var e : open.entrySet()) {
      if (e.getValue() != 0) {
        String task = e.getKey().substring("escrow:".length());
        out.append("\n  ").append(e.getKey()).append(" holds ").append(e.getValue()).append("; task: ")
            .append(call("GET", "/v1/tasks/" + task, key, null));
      }
    }
    return out.toString();
  }

  @Test
  void everyAcknowledgedPaidTaskIsPaidOrRefundedExactlyOnceAcrossKill9() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      int grpc = MeshProcesses.freePort();
      int httpPort = MeshProcesses.freePort();
      Path data = dir.resolve("data");
      MeshProcesses.Node first = mesh.orchestrator(data, grpc, httpPort, "--fsync");
      url = first.url();
      String admin = call("POST", "/v1/keys", null, "{\"name\": \"ops\", \"scopes\": [\"admin\"]}", 201).get("key").asText();

      KeyPair k = Ed25519.generate();
      long now = System.currentTimeMillis();
      ObjectNode reg = JSON.createObjectNode().put("kind", "client").put("name", "alice")
          .put("public_key", Base64.getEncoder().encodeToString(Ed25519.rawPublicKey(k.getPublic())))
          .put("signed_at", now)
          .put("signature", Base64.getEncoder().encodeToString(PrincipalProofs.sign(k.getPrivate(), "client", "alice", now)));
      String alice = call("POST", "/v1/principals", admin, reg.toString(), 201).get("id").asText();
      String key = call("POST", "/v1/keys", admin,
          "{\"name\": \"alice\", \"scopes\": [\"submit\", \"read\"], \"rate_limit\": 10000, \"principal\": \"" + alice + "\"}", 201).get("key").asText();
      call("POST", "/v1/credits/grants", admin, "{\"principal\": \"" + alice + "\", \"amount\": " + GRANT + "}", 201);
      String service = call("POST", "/v1/services", key,
          "{\"name\": \"upper\", \"operator\": \"process.run@1\", \"config\": {\"command\": \"upper\"},"
              + " \"min_payment\": 1, \"max_payment\": 9}", 201).get("id").asText();
      Process worker = mesh.worker(first, "w1", 4, "--command", "upper=tr a-z A-Z", "--service", service);
      await().atMost(Duration.ofSeconds(60)).until(
          () -> call("GET", "/v1/services/" + service + "/workers", key, null, 200).get("workers").size() == 1);

      // Publish (and cancel every third) until the crash cuts the stream off.
      List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean crashed = new AtomicBoolean();
      Thread client = Thread.ofPlatform().start(() -> {
        int n = 0;
        while (!crashed.get()) {
          try {
            int payment = ThreadLocalRandom.current().nextInt(1, 10);
            JsonNode r = call("POST", "/v1/tasks", key,
                "{\"service\": \"" + service + "\", \"prompt\": \"task " + n + "\", \"payment\": " + payment + "}");
            if (r.has("id")) {
              acknowledged.add(r.get("id").asText());
              if (n % 3 == 0) {
                call("POST", "/v1/tasks/" + r.get("id").asText() + "/cancel", key, null);
              }
            }
            n++;
          } catch (Exception cut) {
            // The orchestrator is gone: anything not acknowledged was never promised.
          }
        }
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 60);
      MeshProcesses.kill9(first.process());
      crashed.set(true);
      client.join();

      MeshProcesses.Node second = mesh.orchestrator(data, grpc, httpPort, "--fsync");
      url = second.url();
      // The worker reconnects by itself; every task left ends (runs, or was cancelled).
      try {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
            .until(() -> call("GET", "/v1/credits/" + alice, key, null, 200).get("held").asLong() == 0);
      } catch (org.awaitility.core.ConditionTimeoutException stuck) {
        throw new AssertionError(stuckEscrows(key) + "\norchestrator before the crash:\n" + MeshProcesses.tail(first.log())
            + "\norchestrator after:\n" + MeshProcesses.tail(second.log())
            + "\nworker:\n" + MeshProcesses.tail(mesh.log(worker)), stuck);
      }

      JsonNode books = call("GET", "/v1/credits/check", key, null, 200);
      assertThat(books.get("balanced").asBoolean()).as(books.toString()).isTrue();
      int succeeded = 0;
      for (String id : acknowledged) {
        JsonNode t = call("GET", "/v1/tasks/" + id, key, null, 200);
        String state = t.get("state").asText();
        assertThat(state).as(id).isIn("succeeded", "cancelled");
        JsonNode entries = call("GET", "/v1/credits/entries?account=escrow:" + id + "&limit=10", key, null, 200).get("entries");
        // Held once, then paid (succeeded) or refunded (cancelled), exactly once.
        assertThat(entries).extracting(e -> e.get("reason").asText())
            .as(id + " " + state).containsExactly("hold", state.equals("succeeded") ? "pay" : "refund");
        succeeded += state.equals("succeeded") ? 1 : 0;
      }
      assertThat(succeeded).isPositive();
      // The whole ledger, including tasks whose 202 the crash swallowed (durable, so they ran):
      // every hold was paid or refunded, and what alice spent is exactly what was paid.
      long holds = 0;
      long settled = 0;
      long paid = 0;
      long after = 0;
      while (true) {
        JsonNode page = call("GET", "/v1/credits/entries?limit=1000&after=" + after, key, null, 200);
        for (JsonNode e : page.get("entries")) {
          long amount = e.get("amount").asLong();
          switch (e.get("reason").asText()) {
            case "hold" -> holds += amount;
            case "pay" -> {
              settled += amount;
              paid += amount;
            }
            case "refund" -> settled += amount;
            default -> {}
          }
        }
        if (page.get("entries").isEmpty()) {
          break;
        }
        after = page.get("next_after").asLong();
      }
      assertThat(settled).isEqualTo(holds);
      long spent = GRANT - call("GET", "/v1/credits/" + alice, key, null, 200).get("balance").asLong();
      assertThat(spent).as("what alice spent is what was paid").isEqualTo(paid);
    }
  }
}
