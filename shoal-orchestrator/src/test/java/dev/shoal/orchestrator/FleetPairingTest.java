package dev.shoal.orchestrator;

import static dev.shoal.orchestrator.MeshFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairing a worker with its fleet owner, both sides signing: the worker by naming the owner in
 * its signed descriptor (a real gRPC stream here), the owner over HTTP with its principal key.
 * Either side ends it.
 */
class FleetPairingTest {

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

  private JsonNode pairingsOf(MeshFixture.Registered owner) throws Exception {
    return json(mesh.send("GET", "/v1/fleet/pairings?owner=" + owner.id(), owner.key(), null, null), 200).get("pairings");
  }

  @Test
  void bothSidesSignAndEitherSideEndsIt() throws Exception {
    MeshFixture.Registered fleet = mesh.principal("fleet_owner", "fleet");
    MeshFixture.Registered client = mesh.principal("client", "alice");
    MeshFixture.ScriptedWorker worker = mesh.worker();
    String pair = MeshFixture.pairBody(fleet, worker.peerId);

    // The worker has not named the owner yet: the owner's signature alone pairs nothing.
    worker.connect("someone's label", List.of());
    assertThat(mesh.send("POST", "/v1/fleet/pairings", fleet.key(), null, pair).body()).contains("--owner " + fleet.id());

    worker.connect(fleet.id(), List.of());
    assertThat(mesh.send("POST", "/v1/fleet/pairings", client.key(), null, MeshFixture.pairBody(client, worker.peerId)).body())
        .as("a client pairs no worker").contains("a client cannot pair");
    assertThat(mesh.send("POST", "/v1/fleet/pairings", fleet.key(), null, MeshFixture.pairBody(client, worker.peerId)).body())
        .as("someone else's signature").contains("signature is not");
    assertThat(pairingsOf(fleet)).isEmpty();

    json(mesh.send("POST", "/v1/fleet/pairings", fleet.key(), null, pair), 201);
    assertThat(pairingsOf(fleet)).singleElement().satisfies(p -> assertThat(p.get("worker").asText()).isEqualTo(worker.peerId));
    assertThat(mesh.events("type=pairing.created")).singleElement().satisfies(e -> {
      assertThat(e.get("principal").asText()).isEqualTo(fleet.id());
      assertThat(e.get("worker").asText()).isEqualTo(worker.peerId);
    });

    // The worker's side: it comes back naming nobody, and the pairing is over.
    worker.connect("", List.of());
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> pairingsOf(fleet).isEmpty());
    assertThat(mesh.events("type=pairing.ended")).singleElement()
        .satisfies(e -> assertThat(e.get("detail").asText()).contains("by the worker"));

    // The owner's side: paired again, then ended over HTTP; only the owner may.
    worker.connect(fleet.id(), List.of());
    json(mesh.send("POST", "/v1/fleet/pairings", fleet.key(), null, MeshFixture.pairBody(fleet, worker.peerId)), 201);
    assertThat(mesh.send("DELETE", "/v1/fleet/pairings/" + worker.peerId, client.key(), null, null).statusCode()).isEqualTo(403);
    json(mesh.send("DELETE", "/v1/fleet/pairings/" + worker.peerId, fleet.key(), null, null), 200);
    assertThat(pairingsOf(fleet)).isEmpty();
    assertThat(mesh.events("type=pairing.ended")).hasSize(2);
  }
}
