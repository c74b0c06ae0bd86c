package dev.shoal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Principals, keys bound to them, delegates and the authority table, end to end: a whole
 * orchestrator with keys and a data directory, driven over HTTP as a client would, and the event
 * log checked for who acted for whom.
 */
class PrincipalsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TASK = "{\"operator\": \"process.run@1\", \"command\": \"echo\"}";

  @TempDir Path dir;
  private MeshFixture mesh;

  @BeforeEach
  void start() throws Exception {
    mesh = new MeshFixture(dir);
  }

  @AfterEach
  void stop() {
    mesh.close();
  }

  private HttpResponse<String> send(String method, String path, String key, String onBehalfOf, String body) throws Exception {
    return mesh.send(method, path, key, onBehalfOf, body);
  }

  /** Registers a principal with a fresh key pair and returns {id, its API key}. */
  private String[] principal(String kind, String name) throws Exception {
    MeshFixture.Registered r = mesh.principal(kind, name);
    return new String[] {r.id(), r.key()};
  }

  private String submit(String key, String onBehalfOf) throws Exception {
    HttpResponse<String> r = send("POST", "/v1/tasks", key, onBehalfOf, TASK);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return MAPPER.readTree(r.body()).get("id").asText();
  }

  private List<JsonNode> events(String query) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    mesh.events(query).forEach(out::add);
    return out;
  }

  @Test
  void aDelegateCancelsForItsClientOnlyWhileItsGrantIsInForce() throws Exception {
    String[] alice = principal("client", "alice");
    String[] bot = principal("client", "alice-bot");
    String[] mallory = principal("client", "mallory");
    String task = submit(alice[1], null);

    // Not alice's delegate yet; and neither mallory nor the operator may touch alice's task.
    assertThat(send("POST", "/v1/tasks/" + task + "/cancel", bot[1], alice[0], null).statusCode()).isEqualTo(403);
    assertThat(send("POST", "/v1/tasks/" + task + "/cancel", mallory[1], null, null).body()).contains("permission_denied");
    assertThat(send("POST", "/v1/tasks/" + task + "/cancel", mesh.admin, null, null).statusCode()).isEqualTo(403);
    // Only alice authorises alice's delegates.
    assertThat(send("POST", "/v1/principals/" + alice[0] + "/delegates", bot[1], null,
            "{\"delegate\": \"" + bot[0] + "\", \"scopes\": [\"cancel\"]}").statusCode()).isEqualTo(403);

    HttpResponse<String> granted = send("POST", "/v1/principals/" + alice[0] + "/delegates", alice[1], null,
        "{\"delegate\": \"" + bot[0] + "\", \"scopes\": [\"cancel\"]}");
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(201);
    JsonNode check = MAPPER.readTree(send("GET", "/v1/principals/" + alice[0] + "/delegates/" + bot[0], mallory[1], null, null).body());
    assertThat(check.get("is_delegate").asBoolean()).isTrue();
    assertThat(check.get("scopes")).extracting(JsonNode::asText).containsExactly("cancel");

    // Cancel is granted, publish is not.
    assertThat(send("POST", "/v1/tasks", bot[1], alice[0], TASK).statusCode()).isEqualTo(403);
    HttpResponse<String> cancelled = send("POST", "/v1/tasks/" + task + "/cancel", bot[1], alice[0], null);
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);

    // The log says for whom, and which key.
    String botKeyId = bot[1].split("_")[1];
    assertThat(events("type=task.status_changed&task=" + task)).last().satisfies(e -> {
      assertThat(e.get("to").asText()).isEqualTo("CANCELLED");
      assertThat(e.get("principal").asText()).isEqualTo(alice[0]);
      assertThat(e.get("actor").asText()).isEqualTo(botKeyId);
    });
    assertThat(events("type=task.published&task=" + task)).singleElement()
        .satisfies(e -> assertThat(e.get("actor").asText()).isEqualTo(alice[1].split("_")[1]));
    assertThat(events("type=delegate.set&principal=" + alice[0])).hasSize(1);

    // Revocation is immediate.
    String second = submit(alice[1], null);
    assertThat(send("DELETE", "/v1/principals/" + alice[0] + "/delegates/" + bot[0], alice[1], null, null).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/v1/tasks/" + second + "/cancel", bot[1], alice[0], null).body()).contains("revoked");
    assertThat(events("type=delegate.revoked")).hasSize(1);
  }

  @Test
  void whatIsRegisteredSurvivesARestartAndBadRequestsChangeNothing() throws Exception {
    String[] fleet = principal("fleet_owner", "gpu-fleet");
    String[] alice = principal("client", "alice");
    // A fleet owner publishes nothing; a client cannot grant a fleet's scope.
    assertThat(send("POST", "/v1/tasks", fleet[1], null, TASK).body()).contains("a fleet_owner cannot publish");
    assertThat(send("POST", "/v1/principals/" + alice[0] + "/delegates", alice[1], null,
            "{\"delegate\": \"" + fleet[0] + "\", \"scopes\": [\"assign\"]}").body()).contains("cannot grant 'assign'");
    assertThat(send("POST", "/v1/tasks", alice[1], "not-a-principal", TASK).statusCode()).isEqualTo(400);
    // A worker is a principal by its peer id, never registered: no key acts as one, so it cannot delegate.
    String workerId = dev.shoal.protocol.PeerIds.fromPublicKey(
        dev.shoal.protocol.Ed25519.rawPublicKey(dev.shoal.protocol.Ed25519.generate().getPublic()));
    assertThat(send("POST", "/v1/keys", mesh.admin, null,
            "{\"name\": \"w\", \"scopes\": [\"submit\"], \"principal\": \"" + workerId + "\"}").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/v1/principals/" + workerId + "/delegates", mesh.admin, workerId,
            "{\"delegate\": \"" + alice[0] + "\", \"scopes\": [\"publish\"]}").statusCode()).isEqualTo(400);
    // Registering needs the admin scope, and a proof that matches.
    assertThat(send("POST", "/v1/principals", alice[1], null, "{}").statusCode()).isEqualTo(403);
    assertThat(send("POST", "/v1/principals", mesh.admin, null,
            "{\"kind\": \"client\", \"name\": \"eve\", \"public_key\": \"" + Base64.getEncoder().encodeToString(new byte[32])
                + "\", \"signed_at\": " + System.currentTimeMillis() + ", \"signature\": \"" + Base64.getEncoder().encodeToString(new byte[64]) + "\"}")
        .body()).contains("signature does not prove");
    // The same key twice: 409, not a server error.
    java.security.KeyPair twice = dev.shoal.protocol.Ed25519.generate();
    for (int expected : new int[] {201, 409}) {
      long now = System.currentTimeMillis();
      com.fasterxml.jackson.databind.node.ObjectNode body = MAPPER.createObjectNode()
          .put("kind", "client").put("name", "twice")
          .put("public_key", Base64.getEncoder().encodeToString(dev.shoal.protocol.Ed25519.rawPublicKey(twice.getPublic())))
          .put("signed_at", now)
          .put("signature", Base64.getEncoder().encodeToString(
              dev.shoal.protocol.PrincipalProofs.sign(twice.getPrivate(), "client", "twice", now)));
      HttpResponse<String> r = send("POST", "/v1/principals", mesh.admin, null, body.toString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    }
    assertThat(send("POST", "/v1/principals/" + fleet[0] + "/delegates", fleet[1], null,
            "{\"delegate\": \"" + alice[0] + "\", \"scopes\": [\"register\", \"assign\"]}").statusCode()).isEqualTo(201);

    mesh = mesh.restart();
    JsonNode listed = MAPPER.readTree(send("GET", "/v1/principals", mesh.admin, null, null).body()).get("principals");
    assertThat(listed).extracting(p -> p.get("name").asText()).containsExactly("gpu-fleet", "alice", "twice");
    JsonNode check = MAPPER.readTree(send("GET", "/v1/principals/" + fleet[0] + "/delegates/" + alice[0], mesh.admin, null, null).body());
    assertThat(check.get("scopes")).extracting(JsonNode::asText).containsExactly("register", "assign");
    // Alice's key still acts as alice after the restart.
    String task = submit(alice[1], null);
    assertThat(send("POST", "/v1/tasks/" + task + "/cancel", alice[1], null, null).statusCode()).isEqualTo(200);
  }
}
