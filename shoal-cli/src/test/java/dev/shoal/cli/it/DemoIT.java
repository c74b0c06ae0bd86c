package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job, run as a user runs it: the packaged command, its JSON summary, its exit code. */
class DemoIT {

  @TempDir Path dir;

  @Test
  void theDemoRescheduledTheKilledWorkersTasksAndTheProductIsRight() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      Process demo = mesh.start("demo", "demo", "--json");
      assertThat(demo.waitFor(180, TimeUnit.SECONDS)).isTrue();
      String output = mesh.output(demo);
      assertThat(demo.exitValue()).as(output).isZero();
      JsonNode summary = new ObjectMapper().readTree(output.substring(output.indexOf('{')));
      assertThat(summary.get("correct").asBoolean()).isTrue();
      assertThat(summary.get("state").asText()).isEqualTo("succeeded");
      assertThat(summary.get("tasks").asInt()).isEqualTo(64);
      assertThat(summary.get("killed_worker").asText()).startsWith("w");
      assertThat(summary.get("lost_attempts").asInt()).isPositive();
      assertThat(summary.get("attempts").asInt()).isEqualTo(64 + summary.get("retries").asInt());
      JsonNode liar = summary.get("faulty_workers").get(0);
      assertThat(liar.get("quarantined").asBoolean()).as("the faulty worker was quarantined").isTrue();
      assertThat(liar.get("bad_results_caught").asInt()).isGreaterThanOrEqualTo(2);
      assertThat(summary.get("faulty_quarantined").asBoolean()).isTrue();
    }
  }
}
