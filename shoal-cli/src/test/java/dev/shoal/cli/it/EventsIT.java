package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.EventFilter;
import dev.shoal.client.JobRequest;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskSpec;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal events} against real processes: an orchestrator with a data directory and a
 * worker. One page shows a task's life in sequence order; a {@code shoal events --follow --json}
 * process, left running while the orchestrator is killed with SIGKILL and started again on the
 * same data directory and ports, prints every event exactly once, dense and in order.
 */
class EventsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LONG = Duration.ofMinutes(3);

  @TempDir Path dir;

  private static Cli cli(String url, String... args) {
    return Cli.run(url, args);
  }

  /** The JSON lines of {@code text}: events, one per line; log lines (stderr, in a process's log) are not. */
  private static List<JsonNode> events(String text) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("{")) {
        try {
          out.add(JSON.readTree(line));
        } catch (IOException e) {
          throw new UncheckedIOException("not an event: " + line, e);
        }
      }
    }
    return out;
  }

  private static List<Long> seqs(List<JsonNode> events) {
    return events.stream().map(e -> e.path("seq").asLong()).toList();
  }

  private static List<Long> oneTo(long head) {
    return LongStream.rangeClosed(1, head).boxed().toList();
  }

  /** Runs a one-task job (tensor.add) to success and returns its id. */
  private static String runJob(ShoalClient client) {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {1, 2});
    String job = client.jobs().submit(JobRequest.tasks(List.of(TaskSpec.of("tensor.add@1", x, x).withId("sum"))));
    assertThat(client.jobs().await(job, LONG).succeeded()).isTrue();
    return job;
  }

  @Test
  void aTasksLifeIsInTheLogAndAFollowerSeesEveryEventOnceAcrossKill9OfTheOrchestrator() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      int grpc = MeshProcesses.freePort();
      int http = MeshProcesses.freePort();
      Path data = dir.resolve("data");
      MeshProcesses.Node first = mesh.orchestrator(data, grpc, http);
      mesh.worker(first, "w1", 1);
      Process follower;
      String before;
      try (ShoalClient client = ShoalClient.connect(URI.create(first.url()))) {
        await("the worker connected").atMost(LONG).until(() -> client.workers().list().size() == 1);
        before = runJob(client);

        Cli page = cli(first.url(), "events", "--json", "--limit", "1000");
        assertThat(page.exit()).as(page.err()).isZero();
        List<JsonNode> all = events(page.out());
        assertThat(seqs(all)).as("dense, in order").isEqualTo(oneTo(all.size()));
        List<String> life =
            all.stream().filter(e -> e.path("job_id").asText().equals(before)).map(e -> e.path("type").asText()).toList();
        assertThat(life)
            .as("the job's events in sequence order")
            .containsSubsequence("job.published", "task.published", "task.assigned", "result.submitted", "task.status_changed");
        JsonNode done = all.stream().filter(e -> e.path("type").asText().equals("task.status_changed")).toList().getLast();
        assertThat(done.path("task_id").asText()).isEqualTo(before + ".sum");
        assertThat(done.path("to").asText()).isEqualTo("SUCCEEDED");

        Cli table = cli(first.url(), "events", "--type", "task.assigned");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out().lines().toList())
            .hasSize(2)
            .satisfies(lines -> assertThat(lines.get(0)).contains("SEQ", "AT", "TYPE", "TASK", "WORKER", "FROM→TO", "DETAIL"))
            .satisfies(lines -> assertThat(lines.get(1)).contains("task.assigned", before + ".sum", "→DISPATCHED"));

        follower = mesh.start("events-follower", "events", "--follow", "--json", "--url", first.url());
        long head = all.size();
        await("the follower caught up").atMost(LONG).pollInterval(Duration.ofMillis(100))
            .until(() -> events(mesh.output(follower)).size() >= head || !follower.isAlive());
        assertThat(follower.isAlive()).as(mesh.output(follower)).isTrue();
      }

      MeshProcesses.kill9(first.process());
      MeshProcesses.Node second = mesh.orchestrator(data, grpc, http);
      try (ShoalClient client = ShoalClient.connect(URI.create(second.url()))) {
        String after = runJob(client);
        long head = client.events().page(0, EventFilter.ALL, 1).head();

        await("the follower resumed and caught up").atMost(LONG).pollInterval(Duration.ofMillis(100))
            .until(() -> {
              List<Long> seen = seqs(events(mesh.output(follower)));
              return !follower.isAlive() || !seen.isEmpty() && seen.getLast() >= head;
            });
        String output = mesh.output(follower);
        assertThat(follower.isAlive()).as("follows until stopped; output:%n%s", output).isTrue();
        List<JsonNode> seen = events(output);
        // More may have come since the head was read: every one of them once, too.
        assertThat(seqs(seen)).as("every event once, in order, across the restart").isEqualTo(oneTo(seen.size()));
        assertThat(seen.size()).isGreaterThanOrEqualTo((int) head);
        assertThat(seen)
            .filteredOn(e -> e.path("job_id").asText().equals(after))
            .extracting(e -> e.path("type").asText())
            .contains("job.published", "task.assigned", "result.submitted");
        assertThat(output).as("it told stderr it was reconnecting").contains("event=events_follow_retrying");
      }
      follower.destroy();
    }
  }
}
