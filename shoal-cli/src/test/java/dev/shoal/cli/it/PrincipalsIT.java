package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.KeyFiles;
import dev.shoal.protocol.PeerIds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Principals and delegates as a user types them, against an orchestrator process with a data
 * directory: an admin registers alice and her bot (each proving its key) and binds API keys to
 * them; the bot may cancel alice's task only once she has granted it that, and not after she
 * revoked it. One cancel runs as a process of its own, acting for alice through the environment.
 */
class PrincipalsIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private String url;

  /** Runs {@code shoal ARGS --url URL} in this JVM. */
  private Cli cli(String... args) {
    return Cli.run(url, args);
  }

  @Test
  void aBotCancelsForAliceOnlyWhileHerGrantIsInForce() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      url = mesh.orchestrator(dir.resolve("data"), 0, 0).url();
      String admin = dir.resolve("admin.key").toString();
      cli("keys", "create", "--name", "ops", "--scopes", "admin", "--out", admin).ok();

      // Registering makes each key file (owner-only) and prints the id alone.
      Path alicePem = dir.resolve("alice.pem");
      String alice = cli("principals", "create", "--kind", "client", "--name", "alice", "--key", alicePem.toString(),
          "--api-key-file", admin).ok().out().strip();
      String bot = cli("principals", "create", "--kind", "client", "--name", "alice-bot", "--key", dir.resolve("bot.pem").toString(),
          "--api-key-file", admin).ok().out().strip();
      assertThat(alice).isEqualTo(PeerIds.principalId(Ed25519.rawPublicKey(KeyFiles.load(alicePem).getPublic())));
      assertThat(PeerIds.isPrincipalId(bot)).as(bot).isTrue();
      assertThat(Files.getPosixFilePermissions(alicePem))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      Cli again = cli("principals", "create", "--kind", "client", "--name", "alice", "--key", alicePem.toString(), "--api-key-file", admin);
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.err()).contains("already registered").contains("[conflict]");
      assertThat(cli("principals", "list", "--api-key-file", admin).ok().out()).contains(alice, bot, "alice-bot", "client");
      assertThat(cli("principals", "show", "alice", "--json", "--api-key-file", admin).ok().json().path("id").asText()).isEqualTo(alice);

      // Keys bound to them: by name or by id.
      String aliceKey = dir.resolve("alice.key").toString();
      String botKey = dir.resolve("bot.key").toString();
      cli("keys", "create", "--name", "alice", "--scopes", "submit,read", "--principal", "alice", "--out", aliceKey,
          "--api-key-file", admin).ok();
      JsonNode botKeyJson = cli("keys", "create", "--name", "alice-bot", "--scopes", "submit,read", "--principal", bot,
          "--out", botKey, "--json", "--api-key-file", admin).ok().json();
      assertThat(botKeyJson.path("principal").asText()).isEqualTo(bot);
      Cli label = cli("keys", "create", "--principal", "ci", "--name", "ci", "--scopes", "read", "--api-key-file", admin);
      assertThat(label.exit()).isEqualTo(2);
      assertThat(label.err()).contains("no principal is named 'ci'").contains("--name");

      String task = cli("tasks", "submit", "--command", "echo", "--api-key-file", aliceKey).ok().out().strip();

      // Not a delegate yet.
      Cli refused = cli("tasks", "cancel", task, "--on-behalf-of", alice, "--api-key-file", botKey);
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("not a delegate").contains("[permission_denied]");
      Cli notYet = cli("delegates", "check", "alice", "alice-bot", "--api-key-file", botKey);
      assertThat(notYet.exit()).isEqualTo(1);
      assertThat(notYet.out()).contains(bot + " is not a delegate of " + alice);
      // Only alice grants for alice.
      assertThat(cli("delegates", "grant", alice, bot, "--scope", "cancel", "--api-key-file", botKey).exit()).isEqualTo(1);

      Cli granted = cli("delegates", "grant", "alice", "alice-bot", "--scope", "cancel", "--expires", "1h", "--api-key-file", aliceKey).ok();
      assertThat(granted.out()).startsWith(bot + " may cancel for " + alice + " until ");
      Cli check = cli("delegates", "check", alice, bot, "--json", "--api-key-file", botKey).ok();
      assertThat(check.json().path("is_delegate").asBoolean()).isTrue();
      assertThat(check.json().path("scopes")).extracting(JsonNode::asText).containsExactly("cancel");

      // The bot as a process of its own: key and principal from the environment.
      Process cancel = mesh.start("bot-cancel",
          Map.of("SHOAL_API_KEY", Files.readString(Path.of(botKey)).strip(), "SHOAL_ON_BEHALF_OF", alice),
          "tasks", "cancel", task, "--url", url);
      assertThat(cancel.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(cancel.exitValue()).as(mesh.output(cancel)).isZero();
      assertThat(mesh.output(cancel)).contains(task + " cancelled");
      JsonNode event = JSON.readTree(cli("events", "--task", task, "--type", "task.status_changed", "--json", "--api-key-file", admin)
          .ok().out().lines().reduce((a, b) -> b).orElseThrow());
      assertThat(event.path("to").asText()).isEqualTo("CANCELLED");
      assertThat(event.path("principal").asText()).as("for whom").isEqualTo(alice);
      assertThat(event.path("actor").asText()).as("by which key").isEqualTo(botKeyJson.path("id").asText());

      // Revoked: at once, and only once.
      String second = cli("tasks", "submit", "--command", "echo", "--api-key-file", aliceKey).ok().out().strip();
      assertThat(cli("delegates", "revoke", "alice", "alice-bot", "--api-key-file", aliceKey).ok().out())
          .isEqualTo(bot + " may no longer act for " + alice + "\n");
      assertThat(cli("delegates", "check", alice, bot, "--api-key-file", aliceKey).exit()).isEqualTo(1);
      Cli afterRevoke = cli("tasks", "cancel", second, "--on-behalf-of", "alice", "--api-key-file", botKey);
      assertThat(afterRevoke.exit()).isEqualTo(1);
      assertThat(afterRevoke.err()).contains("revoked").contains("[permission_denied]");
      assertThat(cli("delegates", "revoke", alice, bot, "--api-key-file", aliceKey).err()).contains("[not_found]");
      JsonNode listed = cli("delegates", "list", "alice", "--json", "--api-key-file", aliceKey).ok().json().path("delegates");
      assertThat(listed).singleElement().satisfies(d -> {
        assertThat(d.path("delegate").asText()).isEqualTo(bot);
        assertThat(d.path("in_force").asBoolean()).isFalse();
        assertThat(d.path("revoked_at").isIntegralNumber()).isTrue();
      });
      // Alice herself still may.
      cli("tasks", "cancel", second, "--api-key-file", aliceKey).ok();
      // The log, filtered by alice's name: her grant and its revocation.
      List<String> changes = new ArrayList<>();
      Cli log = cli("events", "--principal", "alice", "--type", "delegate.*", "--json", "--api-key-file", admin).ok();
      for (String line : log.out().lines().toList()) {
        changes.add(JSON.readTree(line).path("type").asText());
      }
      assertThat(changes).containsExactly("delegate.set", "delegate.revoked");
    }
  }
}
