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
              List.of("jobs", "cancel", "--help"))) {
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
      assertThat(r.output()).contains("refusing to bind 0.0.0.0");
    }
  }
}
