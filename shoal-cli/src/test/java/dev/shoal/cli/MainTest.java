package dev.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.client.MeshOverloadedException;
import dev.shoal.protocol.ProtocolVersions;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the command line does before, and instead of, talking to an orchestrator. */
class MainTest {

  @TempDir Path dir;

  record Cli(int exit, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), args);
    return new Cli(exit, out.toString(), err.toString());
  }

  private static String nobodyListening() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }

  @Test
  void theVersionNamesTheProtocolThisBuildSpeaks() {
    Cli v = cli("--version");
    assertThat(v.exit()).isZero();
    assertThat(v.out()).contains("protocol shoal.v1 " + ProtocolVersions.format(ProtocolVersions.CURRENT));
  }

  @Test
  void everyClientCommandHasHelp() {
    for (String cmd : List.of("run", "chat", "tasks", "tasks submit", "tasks status", "tasks result", "tasks cancel",
        "keys", "keys create", "keys list", "keys revoke", "workers", "events", "principals", "principals create",
        "principals list", "principals show", "delegates", "delegates grant", "delegates revoke", "delegates check",
        "delegates list", "services", "services create", "services update", "services retire", "services list",
        "services show", "services workers", "fleet", "fleet pair", "fleet unpair", "fleet list", "fleet register",
        "fleet unregister", "credits", "credits balance", "credits grant", "credits entries", "credits check",
        "blobs", "blobs put", "blobs get", "blobs url", "blobs stats", "blobs gc", "jobs", "jobs map-reduce",
        "jobs result")) {
      List<String> args = new java.util.ArrayList<>(List.of(cmd.split(" ")));
      args.add("--help");
      Cli r = cli(args.toArray(String[]::new));
      assertThat(r.exit()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).startsWith("Usage: shoal " + cmd);
    }
  }

  @Test
  void anUnreachableOrchestratorMeansTryAgainLater() throws Exception {
    Cli r = cli("workers", "--url", nobodyListening());
    assertThat(r.exit()).isEqualTo(Main.TRY_AGAIN_LATER);
    assertThat(r.err()).startsWith("shoal: ").contains("cannot reach the orchestrator");
  }

  @Test
  void overloadSaysWhenToComeBack() {
    String m = Main.message(new MeshOverloadedException(
        "mesh_overloaded", 503, "every worker serving 'llama3.2' is full (4/4)", Duration.ofSeconds(3), null));
    assertThat(m).isEqualTo("every worker serving 'llama3.2' is full (4/4) [mesh_overloaded]; retry after 3 s (Retry-After)");
  }

  @Test
  void runNeedsToKnowWhatToRun() throws Exception {
    Cli r = cli("run", "hello", "--url", nobodyListening());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("say what to run: --model NAME, --command NAME, --operator OP or --service SERVICE");
  }

  @Test
  void aKeyFileIsCheckedWithoutShowingTheKey() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.key"), "\n");
    Cli r = cli("workers", "--api-key-file", empty.toString(), "--url", nobodyListening());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("api-key-file: " + empty + " is empty");

    Path bad = Files.writeString(dir.resolve("bad.key"), "shk_abc_secret\u0007part");
    Cli b = cli("workers", "--api-key-file", bad.toString(), "--url", nobodyListening());
    assertThat(b.exit()).isEqualTo(2);
    assertThat(b.err()).contains("visible ASCII").doesNotContain("secret");

    Cli missing = cli("workers", "--api-key-file", dir.resolve("none.key").toString(), "--url", nobodyListening());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot read");
  }

  @Test
  void keysCreateRefusesAnUnknownScopeBeforeAskingTheServer() throws Exception {
    Cli r = cli("keys", "create", "--name", "x", "--scopes", "read,root", "--url", nobodyListening());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown scope 'root'");
  }

  @Test
  void principalsAndDelegatesRefuseWhatTheyCannotSendBeforeAskingTheServer() throws Exception {
    Path key = dir.resolve("robot.pem");
    Cli kind = cli("principals", "create", "--kind", "robot", "--name", "r2", "--key", key.toString(), "--url", nobodyListening());
    assertThat(kind.exit()).isEqualTo(2);
    assertThat(kind.err()).contains("'robot' is neither client nor fleet-owner");
    assertThat(key).as("no key made for a registration that cannot happen").doesNotExist();

    String alice = "p" + "a".repeat(32);
    String bot = "p" + "b".repeat(32);
    Cli scope = cli("delegates", "grant", alice, bot, "--scope", "publish,fly", "--url", nobodyListening());
    assertThat(scope.exit()).isEqualTo(2);
    assertThat(scope.err()).contains("unknown scope 'fly'");
    Cli when = cli("delegates", "grant", alice, bot, "--scope", "cancel", "--expires", "soon", "--url", nobodyListening());
    assertThat(when.exit()).isEqualTo(2);
    assertThat(when.err()).contains("'soon' is neither a span");

    Cli global = cli("tasks", "cancel", "--help");
    assertThat(global.out()).contains("--on-behalf-of=PRINCIPAL");
  }

  @Test
  void servicesFleetAndCreditsRefuseWhatTheyCannotSendBeforeAskingTheServer() throws Exception {
    Cli what = cli("services", "create", "upper", "--min-payment", "5", "--url", nobodyListening());
    assertThat(what.exit()).isEqualTo(2);
    assertThat(what.err()).contains("say what it runs");
    Cli lifetime = cli("services", "create", "upper", "--command", "upper", "--max-lifetime", "forever", "--url", nobodyListening());
    assertThat(lifetime.exit()).isEqualTo(2);
    assertThat(lifetime.err()).contains("'forever' is not a span");
    Cli bounds = cli("services", "create", "upper", "--command", "upper", "--min-payment", "9", "--max-payment", "5",
        "--url", nobodyListening());
    assertThat(bounds.exit()).isEqualTo(2);
    assertThat(bounds.err()).contains("above maxPayment");

    Cli key = cli("fleet", "pair", "w" + "a".repeat(32), "--key", dir.resolve("missing.pem").toString(), "--url", nobodyListening());
    assertThat(key.exit()).isEqualTo(2);
    assertThat(key.err()).contains("no such file");

    Cli unpaid = cli("run", "--command", "upper", "--payment", "5", "hi", "--url", nobodyListening());
    assertThat(unpaid.exit()).isEqualTo(2);
    assertThat(unpaid.err()).contains("--payment is for a task published to a service");

    Cli bare = cli("credits");
    assertThat(bare.exit()).isZero();
    assertThat(bare.out()).startsWith("Usage: shoal credits").contains("grant", "entries", "check");
    assertThat(cli("services", "update", "--help").out()).contains("--no-external").doesNotContain("--operator");
  }

  @Test
  void eventsRefusesWhatItCannotSendBeforeAskingTheServer() throws Exception {
    Cli both = cli("events", "--follow", "--limit", "10", "--url", nobodyListening());
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("--limit sizes one page");

    Cli spaced = cli("events", "--type", "task.assigned, task assigned", "--url", nobodyListening());
    assertThat(spaced.exit()).isEqualTo(2);
    assertThat(spaced.err()).contains("an event type must be one name");

    Cli help = cli("events", "--help");
    assertThat(help.out()).contains("--follow", "--after", "task.*");
  }

  @Test
  void paramsAreJsonWhenTheyParseAndTextOtherwise() {
    assertThat(TaskOptions.params(List.of("max_tokens=64", "temperature=0.5", "stop=[\"\\n\"]", "user=plain words", "tag=1 2")))
        .containsExactly(
            Map.entry("max_tokens", 64), Map.entry("temperature", 0.5), Map.entry("stop", List.of("\n")),
            Map.entry("user", "plain words"), Map.entry("tag", "1 2"));
  }
}
