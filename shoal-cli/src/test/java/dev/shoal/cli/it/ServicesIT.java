package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services, fleets and credits as a user types them, against an orchestrator process with a data
 * directory and a worker process that names its fleet owner: the owner pairs with it (signing
 * with its principal key file) and registers it to alice's service; an admin grants alice
 * credits; her paid tasks run on that worker, and the payments move from her balance to the
 * fleet owner with the books balanced. A retired service takes no more.
 */
class ServicesIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private String url;

  /** Runs {@code shoal ARGS --url URL} in this JVM. */
  private Cli cli(String... args) {
    return Cli.run(url, args);
  }

  private JsonNode credits(String principal, String key) throws Exception {
    return cli("credits", principal, "--json", "--api-key-file", key).ok().json();
  }

  @Test
  void aPaidTaskReachesTheFleetsWorkerAndPaysItsOwner() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node o = mesh.orchestrator(dir.resolve("data"), 0, 0);
      url = o.url();
      String admin = dir.resolve("admin.key").toString();
      cli("keys", "create", "--name", "ops", "--scopes", "admin", "--out", admin).ok();
      String alice = cli("principals", "create", "--kind", "client", "--name", "alice", "--key", dir.resolve("alice.pem").toString(),
          "--api-key-file", admin).ok().out().strip();
      Path fleetPem = dir.resolve("fleet.pem");
      String fleet = cli("principals", "create", "--kind", "fleet-owner", "--name", "gpu-fleet", "--key", fleetPem.toString(),
          "--api-key-file", admin).ok().out().strip();
      String aliceKey = dir.resolve("alice.key").toString();
      String fleetKey = dir.resolve("fleet.key").toString();
      cli("keys", "create", "--name", "alice", "--scopes", "submit,read", "--principal", "alice", "--out", aliceKey,
          "--api-key-file", admin).ok();
      cli("keys", "create", "--name", "gpu-fleet", "--scopes", "submit,read", "--principal", "gpu-fleet", "--out", fleetKey,
          "--api-key-file", admin).ok();

      // The worker's half of the pairing: it names its owner in its signed descriptor.
      mesh.worker(o, "upper-1", 1, "--owner", fleet, "--command", "upper=tr a-z A-Z");
      String worker = await("the worker connected").atMost(Duration.ofSeconds(120)).until(
          () -> cli("workers", "--json", "--api-key-file", admin).json().path("workers").path(0).path("peer_id").asText(""),
          id -> !id.isEmpty());

      // The owner's half, signed with its principal key; not alice's to make.
      Cli notHers = cli("fleet", "pair", "upper-1", "--key", fleetPem.toString(), "--api-key-file", aliceKey);
      assertThat(notHers.exit()).isEqualTo(1);
      assertThat(notHers.err()).contains("[permission_denied]");
      assertThat(cli("fleet", "pair", "upper-1", "--key", fleetPem.toString(), "--api-key-file", fleetKey).ok().out())
          .isEqualTo(worker + " is paired with " + fleet + "\n");
      assertThat(cli("fleet", "list", "--owner", "gpu-fleet", "--json", "--api-key-file", admin).ok().json().path("pairings"))
          .singleElement().satisfies(p -> assertThat(p.path("worker").asText()).isEqualTo(worker));

      // Alice's service, and the fleet's worker registered to it (by names).
      String service = cli("services", "create", "upper", "--operator", "process.run@1", "--command", "upper",
          "--min-payment", "5", "--max-payment", "50", "--api-key-file", aliceKey).ok().out().strip();
      assertThat(service).startsWith("svc_");
      assertThat(cli("fleet", "register", "upper", "upper-1", "--api-key-file", aliceKey).err()).contains("[permission_denied]");
      assertThat(cli("fleet", "register", "upper", "upper-1", "--api-key-file", fleetKey).ok().out())
          .isEqualTo(worker + " is registered to " + service + "\n");
      assertThat(cli("services", "workers", service, "--json", "--api-key-file", aliceKey).ok().json().path("workers"))
          .singleElement().satisfies(r -> assertThat(r.path("by").asText()).isEqualTo(fleet));
      assertThat(cli("services", "show", "upper", "--api-key-file", aliceKey).ok().out())
          .contains(service, "process.run@1", "5..50 credits per task");

      // No credits yet: refused, with what to do about it.
      Cli broke = cli("run", "--service", "upper", "--payment", "10", "hi", "--api-key-file", aliceKey);
      assertThat(broke.exit()).isEqualTo(1);
      assertThat(broke.err()).contains("[insufficient_credits]").contains("'shoal credits PRINCIPAL'");
      assertThat(cli("credits", "grant", "alice", "100", "--api-key-file", aliceKey).err()).as("an admin's").contains("[permission_denied]");
      assertThat(cli("credits", "grant", "alice", "100", "--api-key-file", admin).ok().out()).startsWith("granted 100 credits to " + alice);

      assertThat(cli("run", "--service", "upper", "--payment", "10", "hi", "--api-key-file", aliceKey).ok().out()).isEqualTo("HI\n");
      JsonNode hers = credits("alice", aliceKey);
      assertThat(hers.path("balance").asLong()).isEqualTo(90);
      assertThat(hers.path("held").asLong()).isZero();
      assertThat(credits(fleet, aliceKey).path("earned").asLong()).isEqualTo(10);
      assertThat(cli("credits", "balance", "gpu-fleet", "--api-key-file", admin).ok().out())
          .isEqualTo(fleet + "  balance 0  held 0  earned 10\n");

      // Queued, paying the service's minimum; the payment is in the ledger once the task's end is durable.
      String task = cli("tasks", "submit", "--service", service, "again", "--api-key-file", aliceKey).ok().out().strip();
      await("the queued task's result").atMost(Duration.ofSeconds(60))
          .until(() -> cli("tasks", "result", task, "--api-key-file", aliceKey), r -> r.exit() == 0 && r.out().equals("AGAIN\n"));
      String[] fleetEntries = {"credits", "entries", "--account", "fleet:gpu-fleet", "--json", "--api-key-file", admin};
      await("both payments in the ledger").atMost(Duration.ofSeconds(10))
          .until(() -> cli(fleetEntries).ok().out().lines().count(), n -> n == 2);
      List<String> paid = cli(fleetEntries).ok().out().lines().toList();
      assertThat(JSON.readTree(paid.get(1)).path("task_id").asText()).isEqualTo(task);
      assertThat(JSON.readTree(paid.get(1)).path("amount").asLong()).isEqualTo(5);
      assertThat(credits("alice", aliceKey).path("balance").asLong()).isEqualTo(85);
      assertThat(credits("gpu-fleet", aliceKey).path("earned").asLong()).isEqualTo(15);
      Cli books = cli("credits", "check", "--api-key-file", admin);
      assertThat(books.exit()).isZero();
      assertThat(books.out()).isEqualTo("balanced: the balances sum to 0\n");

      // Retired for good: publishing to it is refused, and nothing more is held.
      assertThat(cli("services", "retire", "upper", "--api-key-file", aliceKey).ok().out()).contains(service + " ('upper') is retired");
      Cli refused = cli("run", "--service", service, "--payment", "10", "hi", "--api-key-file", aliceKey);
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("[not_found]");
      assertThat(cli("services", "list", "--api-key-file", aliceKey).ok().out()).startsWith("no services");
      assertThat(cli("services", "list", "--include-retired", "--json", "--api-key-file", aliceKey).ok().json().path("services"))
          .singleElement().satisfies(s -> assertThat(s.path("state").asText()).isEqualTo("retired"));
      assertThat(credits("alice", aliceKey).path("balance").asLong()).isEqualTo(85);
    }
  }
}
