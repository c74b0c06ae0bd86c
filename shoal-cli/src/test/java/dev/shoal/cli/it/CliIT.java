package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands against a real orchestrator and worker, as a user types them. */
class CliIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  record Run(int exit, String output) {
    JsonNode json() throws Exception {
      return JSON.readTree(output.substring(Math.min(output.indexOf('{') < 0 ? 0 : output.indexOf('{'), output.length())));
    }
  }

  private Run run(MeshProcesses mesh, String... args) throws Exception {
    Process p = mesh.start("cli", args);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), mesh.output(p));
  }

  @Test
  void submitStatusResultWorkersAndCancelWorkFromTheCommandLine() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      mesh.worker(orch, "cli-worker", 2);
      String url = orch.url();
      Path job = dir.resolve("job.json");
      Files.writeString(
          job,
          """
          {"tasks": [
            {"id": "sum", "operator": "tensor.add@1",
             "inputs": [{"dtype": "float32", "shape": [2], "values": [1, 2]},
                        {"dtype": "float32", "shape": [2], "values": [10, 20]}]},
            {"id": "rows", "operator": "tensor.reduce_sum@1", "attributes": {"axis": 1},
             "inputs": [{"dtype": "int32", "shape": [2, 2], "values": [1, 2, 3, 4]}]}
          ]}
          """);

      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
        Run w = run(mesh, "workers", "--url", url, "--json");
        return w.exit() == 0 && w.json().get("workers").size() == 1;
      });

      Run submit = run(mesh, "jobs", "submit", job.toString(), "--url", url, "--wait", "--json");
      assertThat(submit.exit()).as(submit.output()).isZero();
      String id = submit.json().get("id").asText();
      assertThat(submit.json().get("state").asText()).isEqualTo("succeeded");

      Run status = run(mesh, "jobs", "status", id, "--url", url);
      assertThat(status.exit()).isZero();
      assertThat(status.output()).contains(id).contains("succeeded").contains("2/2 tasks done");

      Run result = run(mesh, "jobs", "result", id, "--url", url);
      assertThat(result.exit()).as(result.output()).isZero();
      JsonNode tasks = result.json().get("tasks");
      assertThat(tasks).hasSize(2);
      assertThat(tasks.get(0).get("id").asText()).isEqualTo("sum");

      Run cancel = run(mesh, "jobs", "cancel", id, "--url", url);
      assertThat(cancel.exit()).as("a finished job cannot be cancelled").isNotZero();
      assertThat(cancel.output()).contains("shoal:");

      Run missing = run(mesh, "jobs", "status", "jdoesnotexist", "--url", url);
      assertThat(missing.exit()).isNotZero();
      assertThat(missing.output()).contains("shoal: no job jdoesnotexist");

      Path bad = dir.resolve("bad.json");
      Files.writeString(bad, "{\"tasks\":[{\"operator\":\"tensor.add@1\",\"inputs\":[]}]}");
      Run refused = run(mesh, "jobs", "submit", bad.toString(), "--url", url);
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.output()).contains("tensor.add@1");
    }
  }

  @Test
  void manualAcceptanceRatingsTrustAndTheLedgerFromTheCommandLine() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      mesh.worker(orch, "cli-worker", 1);
      String url = orch.url();
      Path job = dir.resolve("manual.json");
      Files.writeString(
          job,
          """
          {"acceptance": "manual", "tasks": [
            {"id": "sum", "operator": "tensor.add@1",
             "inputs": [{"dtype": "float32", "shape": [2], "values": [1, 2]},
                        {"dtype": "float32", "shape": [2], "values": [10, 20]}]}]}
          """);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
        Run w = run(mesh, "workers", "--url", url, "--json");
        return w.exit() == 0 && w.json().get("workers").size() == 1;
      });
      String peer = run(mesh, "workers", "--url", url, "--json").json().get("workers").get(0).get("peer_id").asText();

      Run submit = run(mesh, "jobs", "submit", job.toString(), "--url", url, "--json");
      String id = submit.json().get("id").asText();
      String task = id + ".sum";
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(
          () -> run(mesh, "jobs", "task", task, "--url", url).output().contains("awaiting_confirmation"));
      Run shown = run(mesh, "jobs", "task", task, "--url", url);
      assertThat(shown.output()).contains("kept result: attempt 1 from " + peer).contains("sampled_recompute");

      Run wrong = run(mesh, "jobs", "confirm", task, "2", "--url", url);
      assertThat(wrong.exit()).isNotZero();
      assertThat(wrong.output()).contains("keeps no valid result of attempt 2");
      Run confirm = run(mesh, "jobs", "confirm", task, "1", "--url", url);
      assertThat(confirm.exit()).as(confirm.output()).isZero();
      Run accepted = run(mesh, "jobs", "task", task, "--url", url, "--json");
      assertThat(accepted.json().get("acceptance").get("decided_by").asText()).isEqualTo("confirmed");
      assertThat(run(mesh, "jobs", "status", id, "--url", url).output()).contains("succeeded");

      Run rate = run(mesh, "peers", "rate", peer, "--score", "1", "--comment", "quick", "--key-file",
          dir.resolve("me.key").toString(), "--url", url);
      assertThat(rate.exit()).as(rate.output()).isZero();
      assertThat(run(mesh, "peers", "trust", peer, "--url", url).exit()).isZero();
      Run show = run(mesh, "peers", "show", peer, "--url", url, "--json");
      assertThat(show.json().get("trusted").asBoolean()).isTrue();
      assertThat(show.json().get("counts").get("rating").asInt()).isEqualTo(1);
      assertThat(run(mesh, "workers", "--url", url).output()).contains(peer).contains("trusted");
      Run ledger = run(mesh, "peers", "ledger", peer, "--url", url);
      assertThat(ledger.output()).contains("rating").contains("quick");
      Run verify = run(mesh, "peers", "verify", "--url", url);
      assertThat(verify.exit()).as(verify.output()).isZero();
      assertThat(verify.output()).contains("ledger intact");
      Run lift = run(mesh, "peers", "lift", peer, "--url", url);
      assertThat(lift.exit()).as("a worker in good standing has nothing to lift").isNotZero();
      assertThat(lift.output()).contains("is not quarantined");
    }
  }

  @Test
  void aWorkerKeepsItsIdentityInItsDataDirectoryAcrossRestarts() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      String url = orch.url();
      Process first = mesh.worker(orch, "keeper", 1);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(
          () -> run(mesh, "workers", "--url", url, "--json").json().get("workers").size() == 1);
      String peer = run(mesh, "workers", "--url", url, "--json").json().get("workers").get(0).get("peer_id").asText();
      Path key = dir.resolve("worker-keeper").resolve("worker.key");
      assertThat(Files.getPosixFilePermissions(key))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      MeshProcesses.kill9(first);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(
          () -> run(mesh, "workers", "--url", url, "--json").json().get("workers").isEmpty());
      mesh.worker(orch, "keeper", 1);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(
          () -> run(mesh, "workers", "--url", url, "--json").json().get("workers").size() == 1);
      assertThat(run(mesh, "workers", "--url", url, "--json").json().get("workers").get(0).get("peer_id").asText())
          .as("the same key, so the same peer id and reputation")
          .isEqualTo(peer);
    }
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      for (List<String> cmd :
          List.of(
              List.of("--help"),
              List.of("demo", "--help"),
              List.of("orchestrator", "--help"),
              List.of("worker", "--help"),
              List.of("workers", "--help"),
              List.of("jobs", "--help"),
              List.of("jobs", "submit", "--help"),
              List.of("jobs", "status", "--help"),
              List.of("jobs", "result", "--help"),
              List.of("jobs", "cancel", "--help"),
              List.of("jobs", "task", "--help"),
              List.of("jobs", "confirm", "--help"),
              List.of("peers", "--help"),
              List.of("peers", "rate", "--help"),
              List.of("peers", "trust", "--help"))) {
        Run r = run(mesh, cmd.toArray(String[]::new));
        assertThat(r.exit()).as(String.join(" ", cmd)).isZero();
        assertThat(r.output()).contains("Usage: shoal");
      }
    }
  }

  @Test
  void aPublicBindWithoutKeysIsRefused() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      Run r = run(mesh, "orchestrator", "--http-host", "0.0.0.0", "--http-port", "0", "--grpc-port", "0");
      assertThat(r.exit()).isNotZero();
      assertThat(r.output()).contains("refusing to bind the client API to 0.0.0.0");
    }
  }
}
