package dev.shoal.cli;

import dev.shoal.client.ApiKey;
import dev.shoal.client.KeyRevocation;
import dev.shoal.client.NewApiKey;
import dev.shoal.client.ShoalClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Admin: API keys. The orchestrator keeps only a hash of each, so a key is shown once, here. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
      "Creates, lists and revokes API keys (admin scope).",
      "While an orchestrator on loopback has no key it answers everyone;",
      "the first key created ends that."
    },
    subcommands = {KeysCommand.Create.class, KeysCommand.List.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String scopes(Set<ApiKey.Scope> scopes) {
    return String.join(",", scopes.stream().sorted().map(ApiKey.Scope::wireName).toList());
  }

  private static String time(Long epochMillis) {
    return epochMillis == null ? "-" : Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a key and prints it, this once: the orchestrator keeps only its hash.",
        "The key alone goes to standard output (or to --out FILE), the rest to stderr."
      })
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME",
        description = "Who holds the key: a label shown in 'keys list' and the orchestrator's log.")
    String name;

    @Option(names = "--principal", paramLabel = "PRINCIPAL",
        description = "The client or fleet owner the key acts as (its id p…, or its name): what it publishes is"
            + " that principal's. Default: an operator's key, acting for nobody.")
    String principal;

    @Option(names = "--scopes", split = ",", required = true, paramLabel = "SCOPE",
        description = "read (every GET), submit (run work, cancel, rate), admin (keys, trust; implies the others).")
    java.util.List<String> scopes;

    @Option(names = {"--rate", "--rate-limit"}, defaultValue = "20", paramLabel = "N",
        description = "Requests per second the key may make, bursts of twice that (default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--out", paramLabel = "FILE",
        description = "Write the key to FILE (created readable by its owner only) instead of standard output.")
    Path outFile;

    @Override
    public Integer call() throws IOException {
      Set<ApiKey.Scope> parsed = EnumSet.noneOf(ApiKey.Scope.class);
      for (String s : scopes) {
        ApiKey.Scope scope = ApiKey.Scope.fromWire(s.strip());
        if (scope == null) {
          throw new IllegalArgumentException("unknown scope '" + s + "': one of read, submit, admin");
        }
        parsed.add(scope);
      }
      if (outFile != null && Files.exists(outFile)) {
        throw new IllegalArgumentException("out: " + outFile + " exists; a key is never written over a file");
      }
      NewApiKey k;
      try (ShoalClient c = client.connect()) {
        k = c.keys().create(name, parsed, rateLimit, principal == null ? null : boundTo(c));
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (outFile != null) {
        Files.createFile(outFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(outFile, k.key() + "\n", StandardCharsets.UTF_8);
      }
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        if (outFile == null) {
          m.put("key", k.key());
        }
        m.put("name", k.name());
        m.put("scopes", k.scopes().stream().sorted().map(ApiKey.Scope::wireName).toList());
        m.put("rate_limit", k.rateLimit());
        m.put("principal", k.principal());
        m.put("created_at", k.createdAt());
        out.println(ClientOptions.toJson(m));
      } else if (outFile == null) {
        out.println(k.key());
      }
      err.printf("created key %s for '%s': scopes %s, %d requests/s, %s%n", k.id(), k.name(), scopes(k.scopes()), k.rateLimit(),
          k.principal() == null ? "an operator's key" : "acting as " + k.principal());
      err.println(outFile != null
          ? "the key is in " + outFile + " and nowhere else: the orchestrator stores only its hash"
          : "this is the only time the key is shown: the orchestrator stores only its hash; keep it now");
      return 0;
    }

    /** --principal used to be --name's alias: a label given there is pointed back to --name. */
    private String boundTo(ShoalClient c) {
      try {
        return PrincipalNames.id(c, principal, "principal");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; the key's own label is --name", e);
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists every key, revoked ones included; never a secret.")
  static final class List implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      java.util.List<ApiKey> keys;
      try (ShoalClient c = client.connect()) {
        keys = c.keys().list();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        java.util.List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (ApiKey k : keys) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", k.id());
          m.put("name", k.name());
          m.put("scopes", k.scopes().stream().sorted().map(ApiKey.Scope::wireName).toList());
          m.put("rate_limit", k.rateLimit());
          m.put("principal", k.principal());
          m.put("created_at", k.createdAt());
          m.put("last_used_at", k.lastUsedAt());
          m.put("revoked_at", k.revokedAt());
          list.add(m);
        }
        out.println(ClientOptions.toJson(Map.of("keys", list)));
        return 0;
      }
      if (keys.isEmpty()) {
        out.println("no keys: an orchestrator on loopback answers everyone");
        return 0;
      }
      out.printf("%-14s %-16s %-18s %5s  %-33s  %-20s  %-20s  %s%n", "ID", "NAME", "SCOPES", "RATE", "PRINCIPAL", "CREATED",
          "LAST USED", "REVOKED");
      for (ApiKey k : keys) {
        out.printf("%-14s %-16s %-18s %5d  %-33s  %-20s  %-20s  %s%n", k.id(), k.name(), scopes(k.scopes()), k.rateLimit(),
            k.principal() == null ? "-" : k.principal(), time(k.createdAt()), time(k.lastUsedAt()), time(k.revokedAt()));
      }
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a key now: no request carrying it is answered after.")
  static final class Revoke implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key's id ('keys list' shows them; the part after shk_ in the key).")
    String id;

    @Override
    public Integer call() {
      KeyRevocation r;
      try (ShoalClient c = client.connect()) {
        r = c.keys().revoke(id);
      }
      spec.commandLine().getOut().println(
          client.json ? ClientOptions.toJson(r) : r.id() + " revoked at " + time(r.revokedAt()));
      return 0;
    }
  }
}
