package dev.shoal.orchestrator;

import static dev.shoal.orchestrator.MeshFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credits over HTTP: an admin's grant, a paid service task held, refused beyond the balance, refunded on cancel. */
class CreditsTest {

  @TempDir Path dir;
  private MeshFixture mesh;
  private MeshFixture.Registered alice;
  private String service;

  @BeforeEach
  void start() throws Exception {
    mesh = new MeshFixture(dir);
    alice = mesh.principal("client", "alice");
    service = json(mesh.send("POST", "/v1/services", alice.key(), null,
            "{\"name\": \"paid\", \"operator\": \"process.run@1\", \"config\": {\"command\": \"upper\"},"
                + " \"min_payment\": 5, \"max_payment\": 50}"), 201).get("id").asText();
  }

  @AfterEach
  void stop() {
    mesh.close();
  }

  private JsonNode balance() throws Exception {
    return json(mesh.send("GET", "/v1/credits/" + alice.id(), alice.key(), null, null), 200);
  }

  private JsonNode books() throws Exception {
    return json(mesh.send("GET", "/v1/credits/check", alice.key(), null, null), 200);
  }

  @Test
  void grantsHoldsRefusalsAndRefunds() throws Exception {
    String task = "{\"service\": \"" + service + "\", \"payment\": 20}";
    // Nothing to pay with yet: 402, and nothing kept.
    {
      var r = mesh.send("POST", "/v1/tasks", alice.key(), null, task);
      assertThat(r.statusCode()).isEqualTo(402);
      assertThat(r.body()).contains("insufficient_credits").contains("has 0");
    }
    assertThat(mesh.send("POST", "/v1/credits/grants", alice.key(), null,
        "{\"principal\": \"" + alice.id() + "\", \"amount\": 100}").statusCode()).as("only an admin grants").isEqualTo(403);
    json(mesh.send("POST", "/v1/credits/grants", mesh.admin, null, "{\"principal\": \"" + alice.id() + "\", \"amount\": 100}"), 201);
    assertThat(balance().get("balance").asLong()).isEqualTo(100);

    assertThat(mesh.send("POST", "/v1/tasks", alice.key(), null, "{\"service\": \"" + service + "\", \"payment\": 51}").body())
        .contains("5..50 credits");
    String id = json(mesh.send("POST", "/v1/tasks", alice.key(), null, task), 202).get("id").asText();
    assertThat(balance().get("balance").asLong()).isEqualTo(80);
    assertThat(balance().get("held").asLong()).isEqualTo(20);
    // Without a payment, the service's minimum is held.
    json(mesh.send("POST", "/v1/tasks", alice.key(), null, "{\"service\": \"" + service + "\"}"), 202);
    assertThat(balance().get("held").asLong()).isEqualTo(25);
    assertThat(books().get("balanced").asBoolean()).isTrue();

    json(mesh.send("POST", "/v1/tasks/" + id + "/cancel", alice.key(), null, null), 200);
    assertThat(balance().get("balance").asLong()).isEqualTo(95);
    assertThat(balance().get("held").asLong()).isEqualTo(5);
    JsonNode entries = json(mesh.send("GET", "/v1/credits/entries?account=client:" + alice.id(), alice.key(), null, null), 200).get("entries");
    assertThat(entries).extracting(e -> e.get("reason").asText()).containsExactly("grant", "hold", "hold", "refund");
    assertThat(mesh.events("type=credits.moved&principal=" + alice.id())).hasSize(4);
    assertThat(books().get("total").asLong()).isZero();

    // A restart keeps the books.
    mesh = mesh.restart();
    assertThat(balance().get("balance").asLong()).isEqualTo(95);
    assertThat(balance().get("held").asLong()).isEqualTo(5);
    assertThat(books().get("balanced").asBoolean()).isTrue();
  }
}
