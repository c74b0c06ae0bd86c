package dev.shoal.cli;

import dev.shoal.client.ServiceInfo;
import dev.shoal.client.ServiceRegistration;
import dev.shoal.client.ServiceSpec;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A client's services: standing offers of work of one kind, which workers join and tasks pay to reach. */
@Command(
    name = "services",
    mixinStandardHelpOptions = true,
    description = {
      "Creates, updates, retires, lists and shows a client's services, and their workers.",
      "A service fixes an operator and its config (a model, or an allowlisted command),",
      "hardware needs, acceptance and what each task pays. Tasks reach it with",
      "'shoal run --service ID' or 'tasks submit --service ID'; fleet owners register",
      "workers to it with 'shoal fleet register'. Create, update and retire need an",
      "API key bound to the client.",
      "  shoal services create upper --command upper --min-payment 5 --max-payment 50"
    },
    subcommands = {
      ServicesCommand.Create.class,
      ServicesCommand.Update.class,
      ServicesCommand.Retire.class,
      ServicesCommand.List.class,
      ServicesCommand.Show.class,
      ServicesCommand.Workers.class
    })
final class ServicesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What create and update take besides the name and operator; unset options are not sent. */
  static final class SpecOptions {
    @Option(names = "--model", paramLabel = "NAME", description = "For llm.*: the model the service serves.")
    String model;

    @Option(names = "--command", paramLabel = "NAME", description = "For process.run@1: the allowlisted command it runs.")
    String command;

    @Option(names = "--image", paramLabel = "IMAGE",
        description = "For process.run@1: a container image for its command (kept with the service; workers do not run images yet).")
    String image;

    @Option(names = "--min-cores", paramLabel = "N", description = "Workers need at least N cores.")
    Integer minCores;

    @Option(names = "--min-memory", paramLabel = "SIZE", converter = ByteSize.class,
        description = "Workers need at least this much memory, e.g. 8g.")
    Long minMemory;

    @Option(names = "--accelerator", paramLabel = "KIND", description = "Workers need an accelerator of this kind, e.g. gpu.")
    String accelerator;

    @Option(names = "--acceptance", paramLabel = "POLICY",
        description = "How its results are accepted: first_valid (default), 'quorum(2 of 3)' or manual.")
    String acceptance;

    @Option(names = "--min-payment", paramLabel = "CREDITS",
        description = "The least a task pays, and what it pays when it names no --payment (default 0).")
    Long minPayment;

    @Option(names = "--max-payment", paramLabel = "CREDITS", description = "The most a task may pay (default 0).")
    Long maxPayment;

    @Option(names = "--max-lifetime", paramLabel = "SPAN", converter = Expiry.Span.class,
        description = "A task's longest life from publishing, e.g. 30m or 1h (default 1h, at most 7d); it expires then.")
    Duration maxLifetime;

    @Option(names = "--external", negatable = true,
        description = "Its tasks wait for a fleet's scheduler to assign them (tasks submit only), not the built-in one.")
    Boolean external;

    ServiceSpec.Builder apply(ServiceSpec.Builder b) {
      return b.model(model).command(command).image(image).minCores(minCores).minMemoryBytes(minMemory).accelerator(accelerator)
          .acceptance(acceptance).minPayment(minPayment).maxPayment(maxPayment)
          .maxTaskLifetimeMs(maxLifetime == null ? null : maxLifetime.toMillis()).externallyScheduled(external);
    }
  }

  /** As API.md writes a service: snake_case, config and hardware as objects. */
  static Map<String, Object> asJson(ServiceInfo s) {
    ServiceSpec p = s.spec();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model", p.model());
    config.put("command", p.command());
    config.put("image", p.image());
    config.values().removeIf(java.util.Objects::isNull);
    Map<String, Object> hardware = new LinkedHashMap<>();
    hardware.put("min_cores", p.minCores());
    hardware.put("min_memory_bytes", p.minMemoryBytes());
    if (p.accelerator() != null) {
      hardware.put("accelerator", p.accelerator());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("owner", s.owner());
    m.put("name", p.name());
    m.put("operator", p.operator());
    m.put("config", config);
    m.put("hardware", hardware);
    m.put("acceptance", p.acceptance());
    m.put("min_payment", p.minPayment());
    m.put("max_payment", p.maxPayment());
    m.put("max_task_lifetime_ms", p.maxTaskLifetimeMs());
    m.put("externally_scheduled", p.externallyScheduled());
    m.put("state", s.state());
    m.put("created_at", s.createdAt());
    m.put("updated_at", s.updatedAt());
    return m;
  }

  /** The model or command (and image) a service runs, in one word for a table. */
  static String config(ServiceSpec s) {
    if (s.model() != null) {
      return s.model();
    }
    return s.command() == null ? "-" : s.command() + (s.image() == null ? "" : " in " + s.image());
  }

  static void print(PrintWriter out, ServiceInfo s, boolean json) {
    if (json) {
      out.println(ClientOptions.toJson(asJson(s)));
      return;
    }
    ServiceSpec p = s.spec();
    out.printf("%s  '%s' of %s, %s%n", s.id(), p.name(), s.owner(), s.state());
    out.printf("  operator      %s%n", p.operator());
    out.printf("  runs          %s%n", config(p));
    out.printf("  hardware      %s%n", hardware(p));
    out.printf("  acceptance    %s%n", p.acceptance());
    out.printf("  payment       %d..%d credits per task%n", p.minPayment(), p.maxPayment());
    out.printf("  max lifetime  %s%n", Duration.ofMillis(p.maxTaskLifetimeMs()).toString().substring(2).toLowerCase());
    out.printf("  scheduling    %s%n", Boolean.TRUE.equals(p.externallyScheduled()) ? "external (a fleet assigns tasks)" : "built-in");
    out.printf("  created       %s, changed %s%n", PrincipalsCommand.time(s.createdAt()), PrincipalsCommand.time(s.updatedAt()));
  }

  private static String hardware(ServiceSpec p) {
    java.util.List<String> needs = new java.util.ArrayList<>();
    if (p.minCores() != null && p.minCores() > 0) {
      needs.add(p.minCores() + " cores");
    }
    if (p.minMemoryBytes() != null && p.minMemoryBytes() > 0) {
      needs.add(p.minMemoryBytes() + " bytes of memory");
    }
    if (p.accelerator() != null) {
      needs.add("a " + p.accelerator());
    }
    return needs.isEmpty() ? "any" : "at least " + String.join(", ", needs);
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a service owned by the client this API key is bound to; prints its id alone.",
        "  shoal services create upper --command upper --min-payment 5 --max-payment 50",
        "  shoal services create chat --model llama3.2 --accelerator gpu --max-payment 20"
      })
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin SpecOptions options;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Its name, unique among live services: 1..64 of a-z 0-9 . _ -.")
    String name;

    @Option(names = "--operator", paramLabel = "OP",
        description = "The operator its tasks run (default: process.run@1 with --command, else llm.chat@1).")
    String operator;

    @Override
    public Integer call() {
      if (operator == null && options.command == null && options.model == null) {
        throw new IllegalArgumentException("say what it runs: --command NAME, --model NAME or --operator OP");
      }
      String op = operator != null ? operator : options.command != null ? TaskRequest.PROCESS_RUN : TaskRequest.LLM_CHAT;
      ServiceInfo s;
      try (ShoalClient c = client.connect()) {
        s = c.services().create(options.apply(ServiceSpec.builder(name, op)).build());
      }
      spec.commandLine().getOut().println(client.json ? ClientOptions.toJson(asJson(s)) : s.id());
      spec.commandLine().getErr().printf("created service '%s' (%s): %d..%d credits per task%n",
          s.name(), s.spec().operator(), s.spec().minPayment(), s.spec().maxPayment());
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Changes what is given; the rest stays. The operator is fixed.",
        "Needs an API key bound to the service's client.",
        "  shoal services update upper --max-payment 80 --no-external"
      })
  static final class Update implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin SpecOptions options;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Option(names = "--name", paramLabel = "NAME", description = "A new name, unique among live services.")
    String name;

    @Override
    public Integer call() {
      ServiceInfo s;
      try (ShoalClient c = client.connect()) {
        String id = ServiceNames.id(c, service, "SERVICE");
        ServiceSpec changes = options.apply(ServiceSpec.changes().name(name)).build();
        if (changes.hasConfig() || changes.hasHardware()) {
          // The orchestrator replaces config and hardware whole: keep the parts not given.
          ServiceSpec now = c.services().get(id).spec();
          ServiceSpec.Builder b = changes.toBuilder();
          if (changes.hasConfig()) {
            b.model(or(changes.model(), now.model())).command(or(changes.command(), now.command())).image(or(changes.image(), now.image()));
          }
          if (changes.hasHardware()) {
            b.minCores(or(changes.minCores(), now.minCores())).minMemoryBytes(or(changes.minMemoryBytes(), now.minMemoryBytes()))
                .accelerator(or(changes.accelerator(), now.accelerator()));
          }
          changes = b.build();
        }
        s = c.services().update(id, changes);
      }
      print(spec.commandLine().getOut(), s, client.json);
      return 0;
    }

    private static <T> T or(T given, T current) {
      return given != null ? given : current;
    }
  }

  @Command(name = "retire", mixinStandardHelpOptions = true,
      description = {"Retires a service for good: it takes no new tasks; tasks it has run on.",
          "Needs an API key bound to the service's client."})
  static final class Retire implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Override
    public Integer call() {
      ServiceInfo s;
      try (ShoalClient c = client.connect()) {
        s = c.services().retire(ServiceNames.id(c, service, "SERVICE"));
      }
      spec.commandLine().getOut().println(client.json
          ? ClientOptions.toJson(asJson(s))
          : s.id() + " ('" + s.name() + "') is retired: it takes no new tasks");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists live services, oldest first.")
  static final class List implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--owner", paramLabel = "PRINCIPAL", description = "Only this client's services: its id (p…) or name.")
    String owner;

    @Option(names = "--include-retired", description = "Retired services too.")
    boolean includeRetired;

    @Override
    public Integer call() {
      java.util.List<ServiceInfo> all;
      try (ShoalClient c = client.connect()) {
        all = c.services().list(owner == null ? null : PrincipalNames.id(c, owner, "owner"), includeRetired);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("services", all.stream().map(ServicesCommand::asJson).toList())));
        return 0;
      }
      if (all.isEmpty()) {
        out.println("no services: 'shoal services create' makes one");
        return 0;
      }
      out.printf("%-20s  %-16s  %-14s  %-16s  %-11s  %-7s  %s%n", "ID", "NAME", "OPERATOR", "RUNS", "PAYMENT", "STATE", "OWNER");
      for (ServiceInfo s : all) {
        ServiceSpec p = s.spec();
        out.printf("%-20s  %-16s  %-14s  %-16s  %-11s  %-7s  %s%n", s.id(), p.name(), p.operator(), config(p),
            p.minPayment() + ".." + p.maxPayment(), s.state(), s.owner());
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Shows one service: what it runs, its needs, acceptance, payment, lifetime, scheduling.")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Override
    public Integer call() {
      ServiceInfo s;
      try (ShoalClient c = client.connect()) {
        s = c.services().get(ServiceNames.id(c, service, "SERVICE"));
      }
      print(spec.commandLine().getOut(), s, client.json);
      return 0;
    }
  }

  @Command(name = "workers", mixinStandardHelpOptions = true,
      description = "The workers registered to a service now, and who registered each ('shoal fleet register').")
  static final class Workers implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SERVICE", description = "Its id (svc_…) or name.")
    String service;

    @Override
    public Integer call() {
      java.util.List<ServiceRegistration> all;
      String id;
      try (ShoalClient c = client.connect()) {
        id = ServiceNames.id(c, service, "SERVICE");
        all = c.services().workers(id);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        java.util.List<Map<String, Object>> rows = all.stream()
            .map(r -> Map.<String, Object>of("worker", r.worker(), "registered_at", r.registeredAt(), "by", r.by()))
            .toList();
        out.println(ClientOptions.toJson(Map.of("service", id, "workers", rows)));
        return 0;
      }
      if (all.isEmpty()) {
        out.println("no workers registered to " + id);
        return 0;
      }
      out.printf("%-33s  %-20s  %s%n", "WORKER", "REGISTERED", "BY");
      for (ServiceRegistration r : all) {
        out.printf("%-33s  %-20s  %s%n", r.worker(), PrincipalsCommand.time(r.registeredAt()), r.by());
      }
      return 0;
    }
  }
}
