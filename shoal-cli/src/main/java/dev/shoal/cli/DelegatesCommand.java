package dev.shoal.cli;

import dev.shoal.client.DelegateCheck;
import dev.shoal.client.DelegateScope;
import dev.shoal.client.Delegation;
import dev.shoal.client.ShoalClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Whom a principal lets act for it: granted and revoked by the principal itself, checked by anyone. */
@Command(
    name = "delegates",
    mixinStandardHelpOptions = true,
    description = {
      "Grants, revokes, checks and lists the delegates of a principal.",
      "A delegate acts for it with --on-behalf-of. Only the principal itself grants",
      "and revokes, with an API key bound to it; anyone with read checks and lists.",
      "  shoal delegates grant alice alice-bot --scope publish,cancel --expires 7d"
    },
    subcommands = {
      DelegatesCommand.Grant.class,
      DelegatesCommand.Revoke.class,
      DelegatesCommand.Check.class,
      DelegatesCommand.List.class
    })
final class DelegatesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String scopes(Set<DelegateScope> scopes) {
    return scopes.isEmpty() ? "-" : String.join(",", scopes.stream().sorted().map(DelegateScope::wireName).toList());
  }

  private static java.util.List<String> wire(Set<DelegateScope> scopes) {
    return scopes.stream().sorted().map(DelegateScope::wireName).toList();
  }

  static Map<String, Object> asJson(Delegation d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("principal", d.principal());
    m.put("delegate", d.delegate());
    m.put("scopes", wire(d.scopes()));
    m.put("expires_at", d.expiresAt());
    m.put("created_at", d.createdAt());
    m.put("revoked_at", d.revokedAt());
    m.put("in_force", d.inForce());
    return m;
  }

  private static String until(Long expiresAt) {
    return expiresAt == null ? "until revoked" : "until " + PrincipalsCommand.time(expiresAt);
  }

  @Command(
      name = "grant",
      mixinStandardHelpOptions = true,
      description = {
        "PRINCIPAL lets DELEGATE act for it with these scopes, replacing an earlier grant.",
        "Needs an API key bound to PRINCIPAL. A client grants publish, cancel, confirm;",
        "a fleet owner register, assign."
      })
  static final class Grant implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "Who grants: its id (p…) or name.")
    String principal;

    @Parameters(index = "1", paramLabel = "DELEGATE", description = "Who may act for it: its id or name.")
    String delegate;

    @Option(names = "--scope", required = true, split = ",", paramLabel = "SCOPE",
        description = "publish, cancel, confirm (a client's) or register, assign (a fleet owner's); repeat or comma-separate.")
    java.util.List<String> scopes;

    @Option(names = "--expires", paramLabel = "WHEN", converter = Expiry.class,
        description = "When the grant ends: a span (90s, 30m, 12h, 7d) or a time (2026-01-31T18:00:00Z); default: until revoked.")
    Instant expires;

    @Override
    public Integer call() {
      Set<DelegateScope> parsed = EnumSet.noneOf(DelegateScope.class);
      for (String s : scopes) {
        DelegateScope scope = DelegateScope.fromWire(s.strip().toLowerCase(Locale.ROOT));
        if (scope == null) {
          throw new IllegalArgumentException(
              "unknown scope '" + s + "': publish, cancel, confirm (a client's) or register, assign (a fleet owner's)");
        }
        parsed.add(scope);
      }
      Delegation d;
      try (ShoalClient c = client.connect()) {
        d = c.delegates().grant(
            PrincipalNames.id(c, principal, "PRINCIPAL"), PrincipalNames.id(c, delegate, "DELEGATE"), parsed, Optional.ofNullable(expires));
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(asJson(d))
          : d.delegate() + " may " + scopes(d.scopes()) + " for " + d.principal() + " " + until(d.expiresAt()));
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"PRINCIPAL revokes DELEGATE at once, with an API key bound to PRINCIPAL.", "Exit 1 if nothing was in force."})
  static final class Revoke implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "Who revokes: its id (p…) or name.")
    String principal;

    @Parameters(index = "1", paramLabel = "DELEGATE", description = "Whose grant ends: its id or name.")
    String delegate;

    @Override
    public Integer call() {
      String p;
      String d;
      try (ShoalClient c = client.connect()) {
        p = PrincipalNames.id(c, principal, "PRINCIPAL");
        d = PrincipalNames.id(c, delegate, "DELEGATE");
        c.delegates().revoke(p, d);
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(Map.of("principal", p, "delegate", d, "revoked", true))
          : d + " may no longer act for " + p);
      return 0;
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {"Whether DELEGATE may act for PRINCIPAL now, and for what.", "Exit 0 if it may, 1 if not."})
  static final class Check implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "Its id (p…) or name.")
    String principal;

    @Parameters(index = "1", paramLabel = "DELEGATE", description = "Its id or name.")
    String delegate;

    @Override
    public Integer call() {
      DelegateCheck r;
      try (ShoalClient c = client.connect()) {
        r = c.delegates().check(PrincipalNames.id(c, principal, "PRINCIPAL"), PrincipalNames.id(c, delegate, "DELEGATE"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("principal", r.principal());
        m.put("delegate", r.delegate());
        m.put("is_delegate", r.isDelegate());
        m.put("scopes", wire(r.scopes()));
        m.put("expires_at", r.expiresAt());
        out.println(ClientOptions.toJson(m));
      } else if (r.isDelegate()) {
        out.println(r.delegate() + " may " + scopes(r.scopes()) + " for " + r.principal() + " " + until(r.expiresAt()));
      } else {
        out.println(r.delegate() + " is not a delegate of " + r.principal() + " now");
      }
      return r.isDelegate() ? 0 : 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every grant PRINCIPAL made, revoked and expired ones included.")
  static final class List implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PRINCIPAL", description = "Its id (p…) or name.")
    String principal;

    @Override
    public Integer call() {
      java.util.List<Delegation> all;
      try (ShoalClient c = client.connect()) {
        all = c.delegates().list(PrincipalNames.id(c, principal, "PRINCIPAL"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("delegates", all.stream().map(DelegatesCommand::asJson).toList())));
        return 0;
      }
      if (all.isEmpty()) {
        out.println("no delegates");
        return 0;
      }
      out.printf("%-33s  %-22s  %-8s  %-20s  %-20s  %s%n", "DELEGATE", "SCOPES", "IN FORCE", "EXPIRES", "CREATED", "REVOKED");
      for (Delegation d : all) {
        out.printf("%-33s  %-22s  %-8s  %-20s  %-20s  %s%n", d.delegate(), scopes(d.scopes()), d.inForce() ? "yes" : "no",
            PrincipalsCommand.time(d.expiresAt()), PrincipalsCommand.time(d.createdAt()), PrincipalsCommand.time(d.revokedAt()));
      }
      return 0;
    }
  }
}
