package dev.shoal.cli;

import dev.shoal.client.CreditBalance;
import dev.shoal.client.CreditCheck;
import dev.shoal.client.CreditEntry;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.PeerIds;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The credit ledger: what clients can spend, what their tasks hold, what fleets earned. */
@Command(
    name = "credits",
    mixinStandardHelpOptions = true,
    description = {
      "Shows a principal's credits, grants credits to a client (admin), pages the",
      "ledger's entries and checks that the books balance. A task published to a",
      "service holds its payment from its client until it ends, then pays the fleet",
      "owner of the worker whose result was accepted, or is refunded.",
      "  shoal credits alice            (the same as: shoal credits balance alice)",
      "  shoal credits grant alice 100"
    },
    subcommands = {
      CreditsCommand.Balance.class,
      CreditsCommand.Grant.class,
      CreditsCommand.Entries.class,
      CreditsCommand.Check.class
    })
final class CreditsCommand implements Callable<Integer> {

  @Mixin ClientOptions client;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PRINCIPAL", arity = "0..1",
      description = "Show this principal's credits: its id (p…) or name.")
  String principal;

  @Override
  public Integer call() {
    if (principal == null) {
      spec.commandLine().usage(spec.commandLine().getOut());
      return 0;
    }
    return Balance.show(spec, client, principal);
  }

  static Map<String, Object> asJson(CreditEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", e.seq());
    m.put("at", e.at());
    m.put("from", e.from());
    m.put("to", e.to());
    m.put("amount", e.amount());
    m.put("reason", e.reason());
    if (e.taskId() != null) {
      m.put("task_id", e.taskId());
    }
    return m;
  }

  @Command(name = "balance", mixinStandardHelpOptions = true,
      description = {"What a principal can spend (balance), what its tasks hold until they end (held),",
          "and what its fleet's workers were paid (earned)."})
  static final class Balance implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PRINCIPAL", description = "Its id (p…) or name.")
    String principal;

    @Override
    public Integer call() {
      return show(spec, client, principal);
    }

    static int show(CommandSpec spec, ClientOptions client, String principal) {
      CreditBalance b;
      try (ShoalClient c = client.connect()) {
        b = c.credits().balance(PrincipalNames.id(c, principal, "PRINCIPAL"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("principal", b.principal());
        m.put("balance", b.balance());
        m.put("held", b.held());
        m.put("earned", b.earned());
        out.println(ClientOptions.toJson(m));
      } else {
        out.printf("%s  balance %d  held %d  earned %d%n", b.principal(), b.balance(), b.held(), b.earned());
      }
      return 0;
    }
  }

  @Command(name = "grant", mixinStandardHelpOptions = true,
      description = {"Gives a client credits from the mint (admin scope).", "  shoal credits grant alice 100"})
  static final class Grant implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "The client: its id (p…) or name.")
    String principal;

    @Parameters(index = "1", paramLabel = "AMOUNT", description = "Credits, 1..1000000000000.")
    long amount;

    @Override
    public Integer call() {
      CreditEntry e;
      try (ShoalClient c = client.connect()) {
        e = c.credits().grant(PrincipalNames.id(c, principal, "PRINCIPAL"), amount);
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(asJson(e))
          : "granted " + e.amount() + " credits to " + e.to().substring(e.to().indexOf(':') + 1) + " (entry " + e.seq() + ")");
      return 0;
    }
  }

  @Command(name = "entries", mixinStandardHelpOptions = true,
      description = {"The ledger's entries, oldest first, one page ('more: --after N' continues it).",
          "Reasons: grant, hold (at publishing), pay (for an accepted result), refund."})
  static final class Entries implements Callable<Integer> {
    private static final int DEFAULT_LIMIT = 50;

    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--account", paramLabel = "ACCOUNT",
        description = "Only entries to or from ACCOUNT: mint, client:P, fleet:P (P an id or a name), worker:w…,"
            + " escrow:JOB.TASK.")
    String account;

    @Option(names = "--after", paramLabel = "SEQ", defaultValue = "0", description = "Entries after this one (default: from the first).")
    long after;

    @Option(names = "--limit", paramLabel = "N", description = "At most N entries, 1..1000 (default " + DEFAULT_LIMIT + ").")
    Integer limit;

    @Override
    public Integer call() {
      int n = limit == null ? DEFAULT_LIMIT : limit;
      CreditEntry.Page page;
      try (ShoalClient c = client.connect()) {
        page = c.credits().entries(account == null ? null : account(c, account), after, n);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        page.entries().forEach(e -> out.println(ClientOptions.toJsonLine(asJson(e))));
      } else if (page.entries().isEmpty()) {
        out.println("no entries");
      } else {
        out.printf("%6s  %-20s  %-8s  %8s  %-46s  %s%n", "SEQ", "AT", "REASON", "AMOUNT", "FROM", "TO");
        for (CreditEntry e : page.entries()) {
          out.printf("%6d  %-20s  %-8s  %8d  %-46s  %s%n",
              e.seq(), PrincipalsCommand.time(e.at()), e.reason(), e.amount(), e.from(), e.to());
        }
      }
      if (page.entries().size() == n) {
        out.flush();
        (client.json ? spec.commandLine().getErr() : out).printf("more: --after %d%n", page.nextAfter());
      }
      return 0;
    }

    /** {@code client:NAME} and {@code fleet:NAME} as the ledger names them, by id. */
    private static String account(ShoalClient c, String given) {
      int colon = given.indexOf(':');
      String kind = colon < 0 ? "" : given.substring(0, colon);
      if ((kind.equals("client") || kind.equals("fleet")) && !PeerIds.isPrincipalId(given.substring(colon + 1))) {
        return kind + ":" + PrincipalNames.id(c, given.substring(colon + 1), "account");
      }
      return given;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Whether the books balance: every balance, the mint's negative one included, sums to 0.",
          "Exit 0 if they do, 1 if not."})
  static final class Check implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CreditCheck r;
      try (ShoalClient c = client.connect()) {
        r = c.credits().check();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("balanced", r.balanced(), "total", r.total())));
      } else {
        out.println(r.balanced() ? "balanced: the balances sum to 0" : "NOT balanced: the balances sum to " + r.total());
      }
      return r.balanced() ? 0 : 1;
    }
  }
}
