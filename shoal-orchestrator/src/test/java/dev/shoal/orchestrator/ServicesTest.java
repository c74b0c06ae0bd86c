package dev.shoal.orchestrator;

import static dev.shoal.orchestrator.MeshFixture.MAPPER;
import static dev.shoal.orchestrator.MeshFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.protocol.v1.OrchestratorMessage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services end to end: a client creates one, a fleet owner registers its paired worker, tasks
 * published to the service reach only registered workers, an externally scheduled service's
 * tasks wait for a fleet-side delegate to assign them, and a retired service takes no more.
 */
class ServicesTest {

  private static final String UPPER =
      "{\"name\": \"upper\", \"operator\": \"process.run@1\", \"config\": {\"command\": \"upper\"},"
          + " \"hardware\": {\"min_cores\": 2}, \"max_task_lifetime_ms\": 60000}";

  @TempDir Path dir;
  private MeshFixture mesh;
  private MeshFixture.Registered client;
  private MeshFixture.Registered fleet;

  @BeforeEach
  void start() throws Exception {
    mesh = new MeshFixture(dir);
    client = mesh.principal("client", "alice");
    fleet = mesh.principal("fleet_owner", "fleet");
  }

  @AfterEach
  void stop() {
    mesh.close();
  }

  private JsonNode createService(String body) throws Exception {
    return json(mesh.send("POST", "/v1/services", client.key(), null, body), 201);
  }

  private MeshFixture.ScriptedWorker pairedWorker() throws Exception {
    MeshFixture.ScriptedWorker w = mesh.worker().connect(fleet.id(), List.of());
    json(mesh.send("POST", "/v1/fleet/pairings", fleet.key(), null, MeshFixture.pairBody(fleet, w.peerId)), 201);
    return w;
  }

  @Test
  void onlyTheClientManagesItsServiceAndOnlyTheOwnerSideRegistersWorkers() throws Exception {
    // Creating: a client for itself; not a fleet owner, not an operator's key.
    assertThat(mesh.send("POST", "/v1/services", fleet.key(), null, UPPER).statusCode()).isEqualTo(403);
    assertThat(mesh.send("POST", "/v1/services", mesh.admin, null, UPPER).statusCode()).isEqualTo(403);
    assertThat(mesh.send("POST", "/v1/services", client.key(), null, "{\"name\": \"x\", \"operator\": \"process.run@1\"}").body())
        .contains("needs config.command");
    JsonNode svc = createService(UPPER);
    String id = svc.get("id").asText();
    assertThat(svc.get("owner").asText()).isEqualTo(client.id());
    assertThat(mesh.send("POST", "/v1/services", client.key(), null, UPPER).statusCode()).as("name taken").isEqualTo(409);

    // Updating: the client only; its operator is fixed.
    assertThat(mesh.send("PATCH", "/v1/services/" + id, fleet.key(), null, "{\"max_payment\": 10}").statusCode()).isEqualTo(403);
    assertThat(json(mesh.send("PATCH", "/v1/services/" + id, client.key(), null, "{\"max_payment\": 10}"), 200)
        .get("max_payment").asLong()).isEqualTo(10);
    assertThat(mesh.send("PATCH", "/v1/services/" + id, client.key(), null, "{\"operator\": \"process.run@2\"}").body())
        .contains("operator is fixed");

    // Registering: the fleet owner of a paired worker, or its delegate with register; not the client.
    MeshFixture.ScriptedWorker w = pairedWorker();
    String reg = "{\"worker\": \"" + w.peerId + "\"}";
    assertThat(mesh.send("POST", "/v1/services/" + id + "/workers", client.key(), null, reg).statusCode()).isEqualTo(403);
    MeshFixture.Registered bot = mesh.principal("client", "scheduler-bot");
    assertThat(mesh.send("POST", "/v1/services/" + id + "/workers", bot.key(), fleet.id(), reg).statusCode()).isEqualTo(403);
    json(mesh.send("POST", "/v1/principals/" + fleet.id() + "/delegates", fleet.key(), null,
        "{\"delegate\": \"" + bot.id() + "\", \"scopes\": [\"register\"]}"), 201);
    assertThat(mesh.send("POST", "/v1/services/" + id + "/workers", bot.key(), fleet.id(), reg).statusCode()).isEqualTo(201);
    assertThat(json(mesh.send("GET", "/v1/services/" + id + "/workers", client.key(), null, null), 200).get("workers"))
        .singleElement().satisfies(r -> assertThat(r.get("worker").asText()).isEqualTo(w.peerId));
    assertThat(json(mesh.send("GET", "/v1/workers?service=" + id, client.key(), null, null), 200).get("workers"))
        .as("registered by its owner's delegate, listed under the service").singleElement()
        .satisfies(r -> assertThat(r.get("peer_id").asText()).isEqualTo(w.peerId));
    assertThat(mesh.events("type=worker.registered&service=" + id)).singleElement()
        .satisfies(e -> assertThat(e.get("actor").asText()).isEqualTo(bot.key().split("_")[1]));

    // Retiring is one-way: no new tasks.
    assertThat(mesh.send("POST", "/v1/services/" + id + "/retire", fleet.key(), null, null).statusCode()).isEqualTo(403);
    json(mesh.send("POST", "/v1/services/" + id + "/retire", client.key(), null, null), 200);
    assertThat(mesh.send("POST", "/v1/tasks", client.key(), null, "{\"service\": \"" + id + "\"}").statusCode()).isEqualTo(404);
    assertThat(mesh.send("PATCH", "/v1/services/" + id, client.key(), null, "{\"max_payment\": 5}").statusCode()).isEqualTo(409);
    assertThat(mesh.events("service=" + id)).extracting(e -> e.get("type").asText())
        .contains("service.created", "service.updated", "worker.registered", "service.retired");
  }

  @Test
  void aServiceTaskGoesOnlyToWorkersRegisteredToIt() throws Exception {
    String id = createService(UPPER).get("id").asText();
    MeshFixture.ScriptedWorker outsider = mesh.worker().connect("", List.of());
    String task = json(mesh.send("POST", "/v1/tasks", client.key(), null, "{\"service\": \"" + id + "\", \"prompt\": \"hi\"}"), 202)
        .get("id").asText();
    assertThat(outsider.nextDispatch(1)).as("not registered: nothing for it").isNull();
    assertThat(mesh.send("POST", "/v1/tasks", client.key(), null, "{\"service\": \"" + id + "\", \"command\": \"other\"}").body())
        .contains("fixed by the service");

    // A worker that lists the service in its signed descriptor registers itself, and gets the task.
    MeshFixture.ScriptedWorker member = mesh.worker().connect("", List.of(id));
    OrchestratorMessage dispatch = member.nextDispatch(10);
    assertThat(dispatch).isNotNull();
    assertThat(dispatch.getDispatch().getAttempt().getTaskId()).isEqualTo(task.substring(task.indexOf('.') + 1));
    assertThat(mesh.events("type=worker.registered&service=" + id)).singleElement()
        .satisfies(e -> assertThat(e.get("principal").asText()).isEqualTo(member.peerId));
  }

  @Test
  void anExternallyScheduledTaskWaitsForAnAssignmentByTheFleetSide() throws Exception {
    String id = createService(
            "{\"name\": \"ext\", \"operator\": \"process.run@1\", \"config\": {\"command\": \"upper\"}, \"externally_scheduled\": true}")
        .get("id").asText();
    MeshFixture.ScriptedWorker w = pairedWorker();
    json(mesh.send("POST", "/v1/services/" + id + "/workers", fleet.key(), null, "{\"worker\": \"" + w.peerId + "\"}"), 201);
    assertThat(mesh.send("POST", "/v1/tasks/run", client.key(), null, "{\"service\": \"" + id + "\"}").body())
        .contains("submit with POST /v1/tasks");
    String task = json(mesh.send("POST", "/v1/tasks", client.key(), null, "{\"service\": \"" + id + "\"}"), 202).get("id").asText();
    assertThat(w.nextDispatch(1)).as("the built-in scheduler leaves it alone").isNull();
    assertThat(mesh.events("type=task.published&service=" + id)).as("how a scheduler learns of it").singleElement()
        .satisfies(e -> assertThat(e.get("task_id").asText()).isEqualTo(task));

    String assign = "{\"worker\": \"" + w.peerId + "\"}";
    assertThat(mesh.send("POST", "/v1/tasks/" + task + "/assign", client.key(), null, assign).statusCode()).as("a client").isEqualTo(403);
    MeshFixture.Registered bot = mesh.principal("client", "scheduler-bot");
    json(mesh.send("POST", "/v1/principals/" + fleet.id() + "/delegates", fleet.key(), null,
        "{\"delegate\": \"" + bot.id() + "\", \"scopes\": [\"register\"]}"), 201);
    assertThat(mesh.send("POST", "/v1/tasks/" + task + "/assign", bot.key(), fleet.id(), assign).body())
        .as("a delegate without assign").contains("without the 'assign' scope");
    json(mesh.send("POST", "/v1/principals/" + fleet.id() + "/delegates", fleet.key(), null,
        "{\"delegate\": \"" + bot.id() + "\", \"scopes\": [\"assign\"]}"), 201);
    json(mesh.send("POST", "/v1/tasks/" + task + "/assign", bot.key(), fleet.id(), assign), 200);
    assertThat(w.nextDispatch(10)).isNotNull();
    assertThat(mesh.events("type=task.assigned&task=" + task)).singleElement().satisfies(e -> {
      assertThat(e.get("worker").asText()).isEqualTo(w.peerId);
      assertThat(e.get("actor").asText()).isEqualTo(bot.key().split("_")[1]);
      assertThat(e.get("service").asText()).isEqualTo(id);
      assertThat(e.get("principal").asText()).as("on whose behalf: the fleet the bot acted for").isEqualTo(fleet.id());
    });
    // Its one slot is taken now, and the task has its attempt.
    assertThat(mesh.send("POST", "/v1/tasks/" + task + "/assign", fleet.key(), null, assign).statusCode()).isEqualTo(409);
  }
}
