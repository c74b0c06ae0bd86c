package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.cli.Main;
import dev.shoal.testkit.StandInProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands (run, chat, tasks, keys, workers' filters) as a user types them, run in
 * this JVM through {@link Main#run(java.io.InputStream, PrintWriter, PrintWriter, String...)}
 * against real processes: an orchestrator, an LLM worker in front of the stand-in LLM server
 * (which answers "You said: " + the words of the last user message) and a worker with
 * allowlisted commands. One mesh serves every test: starting processes is the slow part.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientCommandsIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private static StandInProcess llm;
  private static MeshProcesses mesh;
  private static String url;

  @BeforeAll
  static void startMesh() throws Exception {
    llm = StandInProcess.start("--models", "llama3.2", "--chunks", "8");
    mesh = new MeshProcesses(dir);
    MeshProcesses.Node o = mesh.orchestrator(null, 0, 0);
    url = o.url();
    mesh.worker(o, "gpu-1", 2, "--owner", "ml-team", "--llm-url", llm.baseUrl(), "--llm-model", "llama3.2");
    mesh.worker(o, "proc-1", 1,
        "--command", "upper=tr a-z A-Z",
        "--command", "save=tee {output}/note.txt",
        "--command", "nap=sleep 30");
    await("both workers connected")
        .atMost(Duration.ofSeconds(120)) // four JVMs starting on a small, maybe busy, machine
        .untilAsserted(() -> {
          Cli w = cli("", "workers", "--json");
          assertThat(w.json().path("workers")).as("%s%s", w.out(), w.err()).hasSize(2);
        });
  }

  @AfterAll
  static void stopMesh() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (llm != null) {
      llm.close();
    }
  }

  /** Runs {@code shoal ARGS --url URL} in this JVM with {@code stdin}. */
  private static Cli cli(String stdin, String... args) {
    return cli(stdin, new StringWriter(), args);
  }

  private static Cli cli(String stdin, Writer out, String... args) {
    return Cli.run(url, stdin, out, args);
  }

  /** Records what had been written at each flush: tokens must reach the terminal as they come. */
  static final class Flushes extends Writer {
    final StringBuilder text = new StringBuilder();
    final List<String> atFlush = new ArrayList<>();

    @Override
    public void write(char[] c, int off, int len) {
      text.append(c, off, len);
    }

    @Override
    public void flush() {
      atFlush.add(text.toString());
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
      return text.toString();
    }
  }

  @Test
  @Order(1)
  void runAsksAModelAndTasksFindsTheRunAgainById() throws Exception {
    Cli plain = cli("", "run", "--model", "LLAMA3.2", "say", "hello to the shoal");
    assertThat(plain.exit()).as(plain.err()).isZero();
    assertThat(plain.out()).isEqualTo("You said: say hello to the shoal\n");

    Cli json = cli("", "run", "--model", "llama3.2", "--worker", "gpu-1", "--json", "count these four words");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode r = json.json();
    String id = r.path("id").asText();
    assertThat(id).isNotEmpty();
    assertThat(r.path("text").asText()).isEqualTo("You said: count these four words");
    assertThat(r.path("worker").path("name").asText()).isEqualTo("gpu-1");
    assertThat(r.path("worker").path("peer_id").asText()).startsWith("w");
    assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(4);

    Cli status = cli("", "tasks", "status", id);
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).contains(id).contains("llm.chat@1").contains("succeeded")
        .contains(r.path("worker").path("peer_id").asText());
    Cli result = cli("", "tasks", "result", id);
    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("You said: count these four words\n");
    assertThat(cli("", "tasks", "result", id, "--json").json().path("usage").path("total_tokens").asInt()).isEqualTo(10);

    Cli missing = cli("", "run", "--model", "no-such-model", "hi");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.err()).contains("shoal: ").contains("model_not_found").contains("shoal workers");

    Cli nobody = cli("", "run", "--model", "llama3.2", "--worker", "nobody", "hi");
    assertThat(nobody.exit()).isEqualTo(2);
    assertThat(nobody.err()).contains("no connected worker is named 'nobody'");
  }

  @Test
  @Order(2)
  void runCommandFeedsStdinAndDownloadsArtifacts() throws Exception {
    Path input = dir.resolve("input.txt");
    Files.writeString(input, "quiet words\n");
    Cli upper = cli("", "run", "--command", "upper", "--stdin-file", input.toString());
    assertThat(upper.exit()).as(upper.err()).isZero();
    assertThat(upper.out()).isEqualTo("QUIET WORDS\n");
    Cli piped = cli("from a pipe", "run", "--command", "upper", "--stdin-file", "-");
    assertThat(piped.out()).isEqualTo("FROM A PIPE\n");

    Path out = dir.resolve("artifacts");
    Cli saved = cli("", "run", "--command", "save", "--artifacts-dir", out.toString(), "keep these words");
    assertThat(saved.exit()).as(saved.err()).isZero();
    assertThat(saved.out()).isEqualTo("keep these words\n");
    assertThat(saved.err()).contains("wrote 1 artifact file(s) to " + out);
    assertThat(out.resolve("note.txt")).hasContent("keep these words");

    Cli queued = cli("", "tasks", "submit", "--command", "upper", "later");
    assertThat(queued.exit()).as(queued.err()).isZero();
    String id = queued.out().strip();
    await().atMost(Duration.ofSeconds(30)).until(() -> cli("", "tasks", "result", id).exit() == 0);
    assertThat(cli("", "tasks", "result", id).out()).isEqualTo("LATER\n");
  }

  @Test
  @Order(3)
  void aFullMeshIsRefusedWithRetryAfterAndARunningTaskCanBeCancelled() throws Exception {
    // The nap holds proc-1's only slot until it is cancelled.
    String nap = cli("", "tasks", "submit", "--command", "nap").out().strip();
    await().atMost(Duration.ofSeconds(30)).until(() -> cli("", "tasks", "status", nap).out().contains("running"));
    assertThat(cli("", "workers", "--operator", "process.run@1", "--available").out()).isEqualTo("no workers match\n");

    Cli full = cli("", "run", "--command", "upper", "now");
    assertThat(full.exit()).as("try again later, sysexits' EX_TEMPFAIL").isEqualTo(75);
    assertThat(full.err()).contains("mesh_overloaded").contains("Retry-After");

    Cli cancel = cli("", "tasks", "cancel", nap);
    assertThat(cancel.exit()).as(cancel.err()).isZero();
    assertThat(cancel.out()).isEqualTo(nap + " cancelled\n");
    assertThat(cli("", "tasks", "status", nap).out()).contains("cancelled");
    await().atMost(Duration.ofSeconds(30))
        .until(() -> cli("", "workers", "--operator", "process.run@1", "--available").out().contains("proc-1"));

    Cli unknown = cli("", "tasks", "cancel", "jnosuchjob.t");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("shoal: ").contains("jnosuchjob").contains("not_found");
    assertThat(cli("", "tasks", "status", "jnosuchjob.t").exit()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void chatPrintsTokensAsTheyArriveAndAConversationKeepsItsHistory() throws Exception {
    Flushes out = new Flushes();
    Cli once = cli("", out, "chat", "--model", "llama3.2", "one two three four five six seven eight");
    assertThat(once.exit()).as(once.err()).isZero();
    String answer = "You said: one two three four five six seven eight";
    assertThat(out.toString()).isEqualTo(answer + "\n");
    assertThat(out.atFlush.stream().filter(s -> !s.isEmpty() && answer.startsWith(s) && !s.equals(answer)).distinct())
        .as("parts of the answer were flushed before it was complete")
        .hasSizeGreaterThanOrEqualTo(3);

    Cli talk = cli("first question here\n\nsecond one\n/exit\nnever sent\n", "chat", "--model", "llama3.2");
    assertThat(talk.exit()).as(talk.err()).isZero();
    assertThat(talk.out()).isEqualTo("You said: first question here\nYou said: second one\n");

    // The stand-in counts the words of every message it is sent: the second turn carries the first.
    Cli turns = cli("alpha beta\ngamma\n", "chat", "--model", "llama3.2", "--system", "be brief", "--json");
    assertThat(turns.exit()).as(turns.err()).isZero();
    List<String> lines = turns.out().lines().toList();
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines.get(0));
    JsonNode second = JSON.readTree(lines.get(1));
    assertThat(first.path("text").asText()).isEqualTo("You said: alpha beta");
    assertThat(first.path("usage").path("prompt_tokens").asInt()).isEqualTo(2 + 2);
    assertThat(second.path("text").asText()).isEqualTo("You said: gamma");
    assertThat(second.path("usage").path("prompt_tokens").asInt())
        .as("system + first question + first answer + second question")
        .isEqualTo(2 + 2 + 4 + 1);
  }

  @Test
  @Order(5)
  void workersFiltersAndShowsOwnersAndModels() throws Exception {
    Cli all = cli("", "workers");
    assertThat(all.out()).contains("OWNER").contains("MODELS").contains("gpu-1").contains("proc-1");
    String gpuLine = all.out().lines().filter(l -> l.contains("gpu-1")).findFirst().orElseThrow();
    assertThat(gpuLine).contains("ml-team").contains("llama3.2");

    Cli byModel = cli("", "workers", "--model", "LLAMA3.2");
    assertThat(byModel.out()).contains("gpu-1").doesNotContain("proc-1");
    JsonNode json = cli("", "workers", "--model", "llama3.2", "--json").json().path("workers");
    assertThat(json).hasSize(1);
    assertThat(json.get(0).path("owner").asText()).isEqualTo("ml-team");
    assertThat(cli("", "workers", "--model", "nope").out()).isEqualTo("no workers match\n");
    assertThat(cli("", "workers", "--operator", "process.run@1").out()).contains("proc-1").doesNotContain("gpu-1");
    assertThat(cli("", "workers", "--operator", "llm.chat@1", "--include-offline").out()).contains("gpu-1");
  }

  /** Last: once a key exists every request needs one, so the tests above would be refused. */
  @Test
  @Order(Integer.MAX_VALUE)
  void keysLockTheMeshAndARevokedKeyIsRefused() throws Exception {
    assertThat(cli("", "keys", "list").out()).startsWith("no keys");

    Cli created = cli("", "keys", "create", "--name", "admin-1", "--scopes", "admin");
    assertThat(created.exit()).as(created.err()).isZero();
    String adminKey = created.out().strip();
    assertThat(adminKey).startsWith("shk_").doesNotContain("\n");
    assertThat(created.err()).contains("only time the key is shown");
    Path adminFile = dir.resolve("admin.key");
    Files.writeString(adminFile, adminKey + "\n");

    Path ciFile = dir.resolve("ci.key");
    Cli ci = cli("", "keys", "create", "--name", "ci", "--scopes", "read,submit", "--rate", "5",
        "--out", ciFile.toString(), "--json", "--api-key-file", adminFile.toString());
    assertThat(ci.exit()).as(ci.err()).isZero();
    String ciId = ci.json().path("id").asText();
    assertThat(ci.json().has("key")).as("the key went to the file only").isFalse();
    assertThat(Files.readString(ciFile).strip()).startsWith("shk_" + ciId + "_");
    assertThat(Files.getPosixFilePermissions(ciFile))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    Cli locked = cli("", "workers");
    assertThat(locked.exit()).isEqualTo(1);
    assertThat(locked.err()).contains("unauthenticated").contains("--api-key-file");
    Cli open = cli("", "workers", "--api-key-file", adminFile.toString());
    assertThat(open.exit()).as(open.err()).isZero();
    assertThat(open.out()).contains("gpu-1").doesNotContain(adminKey);

    Cli ciRun = cli("", "run", "--model", "llama3.2", "--api-key-file", ciFile.toString(), "with a key");
    assertThat(ciRun.out()).isEqualTo("You said: with a key\n");
    Cli notAdmin = cli("", "keys", "list", "--api-key-file", ciFile.toString());
    assertThat(notAdmin.exit()).isEqualTo(1);
    assertThat(notAdmin.err()).contains("permission_denied");

    Cli list = cli("", "keys", "list", "--api-key-file", adminFile.toString());
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains("LAST USED").contains("admin-1").contains("read,submit").doesNotContain("shk_");
    String ciLine = list.out().lines().filter(l -> l.startsWith(ciId)).findFirst().orElseThrow();
    assertThat(ciLine).contains(" ci ").contains(" 5 ").endsWith("-");

    // The same key from the environment, in a process of its own: it works and is never printed.
    Process env = mesh.start("cli-env", Map.of("SHOAL_API_KEY", adminKey), "workers", "--url", url);
    assertThat(env.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(env.exitValue()).as(mesh.output(env)).isZero();
    assertThat(mesh.output(env)).contains("gpu-1").doesNotContain(adminKey);

    Cli revoked = cli("", "keys", "revoke", ciId, "--api-key-file", adminFile.toString());
    assertThat(revoked.exit()).as(revoked.err()).isZero();
    assertThat(revoked.out()).startsWith(ciId + " revoked at ");
    Cli refused = cli("", "workers", "--api-key-file", ciFile.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("unauthenticated").contains("revoked");
    JsonNode keys = cli("", "keys", "list", "--json", "--api-key-file", adminFile.toString()).json().path("keys");
    assertThat(keys).hasSize(2);
    for (JsonNode k : keys) {
      assertThat(k.path("revoked_at").isNull()).as(k.toString()).isEqualTo(!k.path("id").asText().equals(ciId));
    }
  }
}
