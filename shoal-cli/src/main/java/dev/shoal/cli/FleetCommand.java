package dev.shoal.cli;

import dev.shoal.client.Pairing;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.KeyFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A fleet owner's workers: paired by both signing, registered to clients' services. */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    description = {
      "Pairs a fleet owner with its workers, lists and ends pairings, and registers",
      "workers to services. A worker names its owner ('shoal worker --owner p…');",
      "the owner pairs with it by signing with its principal key. What a paired",
      "worker earns goes to its owner. Pairing needs an API key bound to the owner;",
      "registering, the owner's or its delegate's (scope register).",
      "  shoal fleet pair gpu-box-1 --key fleet.pem",
      "  shoal fleet register upper gpu-box-1"
    },
    subcommands = {
      FleetCommand.Pair.class,
      FleetCommand.Unpair.class,
      FleetCommand.List.class,
      FleetCommand.Register.class,
      FleetCommand.Unregister.class
    })
final class FleetCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Map<String, Object> asJson(Pairing p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("worker", p.worker());
    m.put("owner", p.owner());
    m.put("worker_signed_at", p.workerSignedAt());
    m.put("owner_signed_at", p.ownerSignedAt());
    m.put("created_at", p.createdAt());
    return m;
  }

  @Command(
      name = "pair",
      mixinStandardHelpOptions = true,
      description = {
        "The fleet owner takes WORKER into its fleet, signing with its principal key.",
        "The worker must have named the owner (--owner p…) when it connected."
      })
  static final class Pair implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "WORKER", description = "Its peer id (w…), or the name of exactly one connected worker.")
    String worker;

    @Option(names = "--key", required = true, paramLabel = "FILE",
        description = "The fleet owner's Ed25519 principal key, the file 'principals create --key' registered.")
    Path keyFile;

    @Override
    public Integer call() {
      KeyPair key;
      try {
        key = KeyFiles.load(keyFile);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new IllegalArgumentException("key: no such file " + keyFile, e);
      } catch (IOException e) {
        throw new IllegalArgumentException("key: " + e.getMessage(), e);
      }
      Pairing p;
      try (ShoalClient c = client.connect()) {
        p = c.fleet().pair(TaskOptions.peerId(c, worker), key);
      }
      spec.commandLine().getOut().println(client.json ? ClientOptions.toJson(asJson(p)) : p.worker() + " is paired with " + p.owner());
      return 0;
    }
  }

  @Command(name = "unpair", mixinStandardHelpOptions = true,
      description = {"The fleet owner ends its pairing with WORKER, at once.", "Exit 1 if it was not paired."})
  static final class Unpair implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "WORKER", description = "Its peer id (w…), or the name of exactly one connected worker.")
    String worker;

    @Override
    public Integer call() {
      String id;
      try (ShoalClient c = client.connect()) {
        id = TaskOptions.peerId(c, worker);
        c.fleet().unpair(id);
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(Map.of("worker", id, "ended", true))
          : id + " is no longer paired");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The pairings in force: which worker belongs to which owner.")
  static final class List implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--owner", paramLabel = "PRINCIPAL", description = "Only this fleet owner's workers: its id (p…) or name.")
    String owner;

    @Override
    public Integer call() {
      java.util.List<Pairing> all;
      try (ShoalClient c = client.connect()) {
        all = owner == null ? c.fleet().pairings() : c.fleet().pairings(PrincipalNames.id(c, owner, "owner"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("pairings", all.stream().map(FleetCommand::asJson).toList())));
        return 0;
      }
      if (all.isEmpty()) {
        out.println("no pairings: 'shoal fleet pair' makes one");
        return 0;
      }
      out.printf("%-33s  %-33s  %s%n", "WORKER", "OWNER", "PAIRED");
      for (Pairing p : all) {
        out.printf("%-33s  %-33s  %s%n", p.worker(), p.owner(), PrincipalsCommand.time(p.createdAt()));
      }
      return 0;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Registers a paired WORKER to SERVICE, as its fleet owner or that owner's delegate",
        "(--on-behalf-of OWNER). The worker must run the service's operator and meet its needs."
      })
  static final class Register implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Parameters(index = "1", paramLabel = "WORKER", description = "Its peer id (w…), or the name of exactly one connected worker.")
    String worker;

    @Override
    public Integer call() {
      String s;
      String w;
      try (ShoalClient c = client.connect()) {
        s = ServiceNames.id(c, service, "SERVICE");
        w = TaskOptions.peerId(c, worker);
        c.services().register(s, w);
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(Map.of("service", s, "worker", w, "registered", true))
          : w + " is registered to " + s);
      return 0;
    }
  }

  @Command(name = "unregister", mixinStandardHelpOptions = true,
      description = {"Ends WORKER's registration to SERVICE; the same parties as register.", "Exit 1 if it was not registered."})
  static final class Unregister implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Parameters(index = "1", paramLabel = "WORKER", description = "Its peer id (w…), or the name of exactly one connected worker.")
    String worker;

    @Override
    public Integer call() {
      String s;
      String w;
      try (ShoalClient c = client.connect()) {
        s = ServiceNames.id(c, service, "SERVICE");
        w = TaskOptions.peerId(c, worker);
        c.services().unregister(s, w);
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(Map.of("service", s, "worker", w, "registered", false))
          : w + " is no longer registered to " + s);
      return 0;
    }
  }
}
