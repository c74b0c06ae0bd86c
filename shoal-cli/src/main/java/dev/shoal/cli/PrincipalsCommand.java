package dev.shoal.cli;

import dev.shoal.client.PrincipalInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.KeyFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Clients and fleet owners: who work and workers belong to, each identified by an Ed25519 key. */
@Command(
    name = "principals",
    mixinStandardHelpOptions = true,
    description = {
      "Registers (admin), lists and shows clients and fleet owners.",
      "Each is an Ed25519 key, and its id (p…) is derived from that key.",
      "'keys create --principal' makes an API key act as one;",
      "'delegates grant' lets one act for another."
    },
    subcommands = {PrincipalsCommand.Create.class, PrincipalsCommand.List.class, PrincipalsCommand.Show.class})
final class PrincipalsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** As API.md writes a principal: snake_case, the kind's wire name. */
  static Map<String, Object> asJson(PrincipalInfo p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("kind", p.kind().wireName());
    m.put("name", p.name());
    m.put("public_key", p.publicKey());
    m.put("created_at", p.createdAt());
    return m;
  }

  static String time(Long epochMillis) {
    return epochMillis == null ? "-" : Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Registers the holder of an Ed25519 key as a client or fleet owner (admin scope),",
        "signing the proof that it holds the key. The id alone goes to standard output.",
        "  shoal principals create --kind client --name alice --key alice.pem"
      })
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--kind", required = true, paramLabel = "KIND",
        description = "client (publishes work, confirms results) or fleet-owner (owns workers).")
    String kind;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "What to call it: shown in lists and logs.")
    String name;

    @Option(names = "--key", required = true, paramLabel = "FILE",
        description = "Its Ed25519 private key, PEM PKCS#8 ('openssl genpkey -algorithm ed25519');"
            + " created, readable by its owner only, if missing.")
    Path keyFile;

    @Override
    public Integer call() throws Exception {
      PrincipalInfo.Kind k = PrincipalInfo.Kind.fromWire(kind.strip().toLowerCase(Locale.ROOT).replace('-', '_'));
      if (k == null) {
        throw new IllegalArgumentException("kind: '" + kind + "' is neither client nor fleet-owner");
      }
      boolean existed = Files.exists(keyFile);
      KeyPair key = KeyFiles.loadOrCreate(keyFile);
      PrincipalInfo p;
      try (ShoalClient c = client.connect()) {
        p = c.principals().register(k, name, key);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(client.json ? ClientOptions.toJson(asJson(p)) : p.id());
      spec.commandLine().getErr().printf("registered %s '%s' as %s; its key is %s%s%n", p.kind().wireName(), p.name(), p.id(),
          keyFile, existed ? "" : " (created now: keep it, it is who this principal is)");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists every client and fleet owner, oldest first.")
  static final class List implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      java.util.List<PrincipalInfo> all;
      try (ShoalClient c = client.connect()) {
        all = c.principals().list();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("principals", all.stream().map(PrincipalsCommand::asJson).toList())));
        return 0;
      }
      if (all.isEmpty()) {
        out.println("no principals: 'shoal principals create' registers one");
        return 0;
      }
      out.printf("%-33s  %-11s  %-20s  %s%n", "ID", "KIND", "CREATED", "NAME");
      for (PrincipalInfo p : all) {
        out.printf("%-33s  %-11s  %-20s  %s%n", p.id(), p.kind().wireName(), time(p.createdAt()), p.name());
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one principal: kind, name, public key, when registered.")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PRINCIPAL", description = "Its id (p…) or name.")
    String principal;

    @Override
    public Integer call() {
      PrincipalInfo p;
      try (ShoalClient c = client.connect()) {
        p = c.principals().get(PrincipalNames.id(c, principal, "PRINCIPAL"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(asJson(p)));
        return 0;
      }
      out.printf("%s  %s '%s'%n", p.id(), p.kind().wireName(), p.name());
      out.printf("  public key  %s%n", p.publicKey());
      out.printf("  registered  %s%n", time(p.createdAt()));
      return 0;
    }
  }
}
