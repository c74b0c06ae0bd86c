package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task graph through the real mesh: tasks read other tasks' outputs ({@code {"from": id}}), run
 * only once those were accepted, and a task that fails at run time (int32 division by zero, on
 * every worker) fails exactly the tasks that read it, directly or not, while the rest of the
 * graph completes. Cycles and references to no task are refused before anything runs.
 */
class TaskGraphIT {

  private static final String X = tensor(1, 2, 3, 4);
  private static final String Y = tensor(10, 20, 30, 40);
  private static final String TWOS = tensor(2, 2, 2, 2);
  private static final String ONE_ZERO = tensor(1, 0, 1, 1);

  @TempDir Path dir;

  @Test
  void aFailedBranchFailsOnlyItsReadersAndTheRestOfTheGraphIsRight() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      mesh.worker(orch, "w1", 2);
      mesh.worker(orch, "w2", 2);
      MeshHttp http = new MeshHttp(orch);
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.workers().list().size() == 2);

        //   a = x + y;  b = a * 2;  c = b - a (reads a twice over: a diamond);  g = c * c
        //   d = y / [1,0,1,1] fails when run;  e = d + x;  f = e + c  (both fail with d)
        String job =
            http.submitJob(
                """
                {"tasks": [
                  {"id": "f", "operator": "tensor.add@1", "inputs": [{"from": "e"}, {"from": "c"}]},
                  {"id": "g", "operator": "tensor.mul@1", "inputs": [{"from": "c"}, {"from": "c", "output": 0}]},
                  {"id": "c", "operator": "tensor.sub@1", "inputs": [{"from": "b"}, {"from": "a"}]},
                  {"id": "b", "operator": "tensor.mul@1", "inputs": [{"from": "a"}, %s]},
                  {"id": "a", "operator": "tensor.add@1", "inputs": [%s, %s]},
                  {"id": "d", "operator": "tensor.div@1", "inputs": [%s, %s]},
                  {"id": "e", "operator": "tensor.add@1", "inputs": [{"from": "d"}, %s]}
                ]}
                """
                    .formatted(TWOS, X, Y, Y, ONE_ZERO, X));
        JobInfo done = client.jobs().await(job, Duration.ofMinutes(2));
        assertThat(done.finished()).as("%s", done).isTrue();
        assertThat(done.state()).as("a job with failed tasks fails: %s", done).isEqualTo("failed");
        assertThat(done.tasks().succeeded()).isEqualTo(4);
        assertThat(done.tasks().failed()).isEqualTo(3);

        // The whole result is refused for a failed job; the partial one shows every task.
        MeshHttp.Reply whole = http.get("/v1/jobs/" + job + "/result");
        assertThat(whole.status()).as("%s", whole).isEqualTo(409);
        JsonNode partial = http.getJson("/v1/jobs/" + job + "/result?partial=true&format=values");
        assertThat(partial.get("partial").asBoolean()).isTrue();
        assertThat(partial.get("state").asText()).isEqualTo("failed");
        Map<String, JsonNode> tasks = new HashMap<>();
        partial.get("tasks").forEach(t -> tasks.put(t.get("id").asText(), t));
        assertThat(tasks).containsOnlyKeys("a", "b", "c", "d", "e", "f", "g");

        assertThat(values(tasks.get("a"))).containsExactly(11, 22, 33, 44);
        assertThat(values(tasks.get("b"))).containsExactly(22, 44, 66, 88);
        assertThat(values(tasks.get("c"))).containsExactly(11, 22, 33, 44);
        assertThat(values(tasks.get("g"))).containsExactly(121, 484, 1089, 1936);
        for (String id : List.of("a", "b", "c", "g")) {
          assertThat(tasks.get(id).get("state").asText()).as(id).isEqualTo("succeeded");
          assertThat(tasks.get(id).get("error").isNull()).as("%s: %s", id, tasks.get(id)).isTrue();
        }
        for (String id : List.of("d", "e", "f")) {
          assertThat(tasks.get(id).get("state").asText()).as(id).isEqualTo("failed");
          assertThat(tasks.get(id).get("outputs")).as(id).isEmpty();
        }
        assertThat(tasks.get("d").get("error").asText()).contains("division by zero");
        assertThat(tasks.get("e").get("error").asText()).contains("input task d failed");
        assertThat(tasks.get("f").get("error").asText()).contains("input task e failed");

        // d ran, on every attempt it was allowed, and failed each time; its readers never ran.
        JsonNode d = http.getJson("/v1/tasks/" + job + ".d");
        assertThat(d.get("attempts")).hasSize(d.get("max_attempts").asInt());
        d.get("attempts").forEach(a -> assertThat(a.get("state").asText()).as("%s", a).isEqualTo("failed"));
        for (String id : List.of("e", "f")) {
          assertThat(http.getJson("/v1/tasks/" + job + "." + id).get("attempts")).as(id).isEmpty();
        }

        // Each task was dispatched only after the tasks it reads had ended with their accepted result.
        Map<String, List<String>> reads = Map.of("b", List.of("a"), "c", List.of("a", "b"), "g", List.of("c"));
        for (Map.Entry<String, List<String>> e : reads.entrySet()) {
          long dispatched = http.getJson("/v1/tasks/" + job + "." + e.getKey()).get("attempts").get(0).get("dispatched_at").asLong();
          for (String input : e.getValue()) {
            JsonNode t = http.getJson("/v1/tasks/" + job + "." + input);
            int accepted = t.get("acceptance").get("attempt").asInt();
            long ended = t.get("attempts").get(accepted - 1).get("ended_at").asLong();
            assertThat(dispatched).as("%s dispatched after %s's result", e.getKey(), input).isGreaterThanOrEqualTo(ended);
          }
        }
      }
    }
  }

  @Test
  void cyclesAndDanglingReferencesAreRefusedBeforeAnythingRuns() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      MeshHttp http = new MeshHttp(orch);
      String cycle =
          """
          {"tasks": [
            {"id": "p", "operator": "tensor.add@1", "inputs": [{"from": "r"}, %s]},
            {"id": "q", "operator": "tensor.add@1", "inputs": [{"from": "p"}, %s]},
            {"id": "r", "operator": "tensor.add@1", "inputs": [{"from": "q"}, %s]},
            {"id": "s", "operator": "tensor.add@1", "inputs": [%s, %s]}
          ]}
          """
              .formatted(X, X, X, X, X);
      assertRefused(http, cycle, "cycle");
      assertRefused(
          http,
          "{\"tasks\": [{\"id\": \"p\", \"operator\": \"tensor.add@1\", \"inputs\": [{\"from\": \"nope\"}, %s]}]}".formatted(X),
          "names no task");
      assertRefused(
          http,
          "{\"tasks\": [{\"id\": \"p\", \"operator\": \"tensor.add@1\", \"inputs\": [{\"from\": \"p\"}, %s]}]}".formatted(X),
          "own output");
      // A reader whose inputs do not fit its operator is refused too: shapes are known before anything runs.
      assertRefused(
          http,
          """
          {"tasks": [
            {"id": "p", "operator": "tensor.add@1", "inputs": [%s, %s]},
            {"id": "q", "operator": "tensor.add@1", "inputs": [{"from": "p"}, {"dtype": "int32", "shape": [2], "values": [1, 2]}]}
          ]}
          """
              .formatted(X, X),
          "shapes differ");
      assertThat(http.getJson("/v1/jobs").get("jobs")).as("nothing was created").isEmpty();
    }
  }

  private static void assertRefused(MeshHttp http, String submission, String why) throws Exception {
    MeshHttp.Reply r = http.post("/v1/jobs", submission);
    assertThat(r.status()).as("%s", r).isEqualTo(400);
    JsonNode error = r.json().get("error");
    assertThat(error.get("code").asText()).isEqualTo("invalid_argument");
    assertThat(error.get("message").asText()).contains(why);
  }

  private static int[] values(JsonNode task) {
    JsonNode out = task.get("outputs").get(0);
    int[] v = new int[out.get("values").size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = out.get("values").get(i).asInt();
    }
    return v;
  }

  private static String tensor(int... values) {
    StringBuilder b = new StringBuilder("{\"dtype\": \"int32\", \"shape\": [" + values.length + "], \"values\": [");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ", ").append(values[i]);
    }
    return b.append("]}").toString();
  }
}
