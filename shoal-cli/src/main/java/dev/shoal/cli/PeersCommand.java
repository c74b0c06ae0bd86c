package dev.shoal.cli;

import dev.shoal.client.LedgerEntryInfo;
import dev.shoal.client.Reputation;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.KeyFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Reputation, the signed ledger behind it, quarantine and trust. */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    description = "Shows and manages worker reputation: standing, ledger, ratings, quarantine, trust.",
    subcommands = {
      PeersCommand.Show.class,
      PeersCommand.Ledger.class,
      PeersCommand.Verify.class,
      PeersCommand.Rate.class,
      PeersCommand.Lift.class,
      PeersCommand.Trust.class
    })
final class PeersCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A worker's score, outcome counts, quarantine and trust.")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PEER", description = "The worker's peer id.")
    String peer;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        Reputation r = c.peers().get(peer);
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(r));
          return 0;
        }
        out.printf("%s  score %.3f  %s%s%n", peer, r.score(), r.trusted() ? "trusted" : "untrusted",
            r.quarantined()
                ? "  QUARANTINED until " + Instant.ofEpochMilli(r.quarantinedUntil()) + ": " + r.quarantineReason()
                : "");
        r.counts().forEach((kind, n) -> out.printf("  %-18s %d%n", kind, n));
        return 0;
      }
    }
  }

  @Command(
      name = "ledger",
      mixinStandardHelpOptions = true,
      description = "Pages through the ledger: one worker's entries, or everyone's without PEER.")
  static final class Ledger implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PEER", arity = "0..1", description = "The worker's peer id (default: all).")
    String peer;

    @Option(names = "--after", defaultValue = "0", description = "Entries after this sequence number (default: ${DEFAULT-VALUE}).")
    long after;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        LedgerEntryInfo.Page page = peer == null ? c.peers().ledger(after, limit) : c.peers().ledger(peer, after, limit);
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(page));
          return 0;
        }
        for (LedgerEntryInfo e : page.entries()) {
          out.printf("%6d  %s  %-33s %-17s %+7.2f  %s%n", e.seq(), Instant.ofEpochMilli(e.at()), e.subject(), e.kind(),
              e.score(), e.comment());
        }
        if (page.nextAfter() != null) {
          out.printf("more: --after %d%n", page.nextAfter());
        }
        return 0;
      }
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = "Has the orchestrator check the whole ledger: sequence, hash links, every signature.")
  static final class Verify implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        LedgerEntryInfo.ChainCheck check = c.peers().verify();
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(check));
        } else if (check.ok()) {
          out.printf("ledger intact: %d entries, head %s%n", check.entries(), check.headHash());
        } else {
          out.printf("LEDGER BROKEN at entry %d: %s%n", check.firstBadSeq(), check.reason());
        }
        return check.ok() ? 0 : 1;
      }
    }
  }

  @Command(
      name = "rate",
      mixinStandardHelpOptions = true,
      description = {"Adds a signed rating of a worker to the ledger.", "Ratings weigh little: they inform, they never quarantine alone."})
  static final class Rate implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PEER", description = "The worker's peer id.")
    String peer;

    @Option(names = "--score", required = true, description = "From -1 (bad) to 1 (good).")
    double score;

    @Option(names = "--comment", defaultValue = "", description = "Up to 1024 bytes.")
    String comment;

    @Option(names = "--key-file", required = true, description = "Your Ed25519 key (PEM PKCS#8); created if missing.")
    Path keyFile;

    @Override
    public Integer call() throws Exception {
      try (ShoalClient c = client.connect()) {
        LedgerEntryInfo e = c.peers().rate(peer, score, comment, KeyFiles.loadOrCreate(keyFile));
        PrintWriter out = spec.commandLine().getOut();
        out.println(client.json ? ClientOptions.toJson(e) : "rated " + peer + ": ledger entry " + e.seq());
        return 0;
      }
    }
  }

  @Command(name = "lift", mixinStandardHelpOptions = true, description = "Admin: ends a worker's quarantine now.")
  static final class Lift implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PEER", description = "The worker's peer id.")
    String peer;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        c.peers().liftQuarantine(peer);
        spec.commandLine().getOut().println(
            client.json ? ClientOptions.toJson(Map.of("peer_id", peer, "quarantined", false)) : peer + " released");
        return 0;
      }
    }
  }

  @Command(
      name = "trust",
      mixinStandardHelpOptions = true,
      description = {"Admin: registers a trusted worker (lighter validation; spot checks all the same).",
        "--remove takes the trust back."})
  static final class Trust implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PEER", description = "The worker's peer id (derived from its public key).")
    String peer;

    @Option(names = "--remove", description = "Remove the trust instead.")
    boolean remove;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        if (remove) {
          c.peers().untrust(peer);
        } else {
          c.peers().trust(peer);
        }
        spec.commandLine().getOut().println(
            client.json
                ? ClientOptions.toJson(Map.of("peer_id", peer, "trusted", !remove))
                : peer + (remove ? " is no longer trusted" : " is trusted"));
        return 0;
      }
    }
  }
}
