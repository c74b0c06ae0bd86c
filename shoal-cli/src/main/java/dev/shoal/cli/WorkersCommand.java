package dev.shoal.cli;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.WorkerFilter;
import dev.shoal.client.WorkerInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists workers, filtered as the orchestrator filters them: the discovery step before pinning one. */
@Command(
    name = "workers",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the workers connected to an orchestrator, with what they run and serve.",
      "Names, owners and models are what each worker says; only the peer id is verified."
    })
final class WorkersCommand implements Callable<Integer> {

  @Mixin ClientOptions client;
  @Spec CommandSpec spec;

  @Option(names = "--operator", paramLabel = "OP", description = "Only workers that run OP, e.g. llm.chat@1.")
  String operator;

  @Option(names = "--model", paramLabel = "NAME", description = "Only workers that serve model NAME (ignoring case).")
  String model;

  @Option(names = "--service", paramLabel = "NAME", description = "Only workers that joined service NAME.")
  String service;

  @Option(names = "--available", description = "Only workers with a free slot, neither draining nor quarantined.")
  boolean available;

  @Option(names = "--include-offline", description = "Also workers seen in the last hour that are gone now.")
  boolean includeOffline;

  @Override
  public Integer call() {
    WorkerFilter filter = WorkerFilter.ALL.withOperator(operator).withModel(model).withService(service);
    filter = available ? filter.onlyAvailable() : filter;
    filter = includeOffline ? filter.withOffline() : filter;
    try (ShoalClient c = client.connect()) {
      List<WorkerInfo> workers = c.workers().list(filter);
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("workers", workers)));
        return 0;
      }
      if (workers.isEmpty()) {
        out.println(filter.equals(WorkerFilter.ALL) ? "no workers connected" : "no workers match");
        return 0;
      }
      out.printf(
          "%-33s %-14s %-12s %-6s %5s %8s %8s %5s %6s  %-24s  %s%n",
          "PEER", "NAME", "OWNER", "ARCH", "CORES", "MEMORY", "SLOTS", "LOAD", "SCORE", "MODELS", "STATUS");
      for (WorkerInfo w : workers) {
        out.printf(
            "%-33s %-14s %-12s %-6s %5d %7.1fG %3d/%-4d %5.2f %6.2f  %-24s  %s%n",
            w.peerId(),
            cut(w.name(), 14),
            cut(w.owner() == null || w.owner().isEmpty() ? "-" : w.owner(), 12),
            w.hardware().arch(),
            w.hardware().cores(),
            w.hardware().memoryBytes() / 1e9,
            w.load().current(),
            w.load().max(),
            w.cpuLoad(),
            w.reputation().score(),
            cut(w.models().isEmpty() ? "-" : String.join(",", w.models()), 24),
            status(w));
      }
      return 0;
    }
  }

  /** Keeps the columns aligned; --json has the whole value. */
  private static String cut(String s, int width) {
    return s.length() > width ? s.substring(0, width - 1) + "…" : s;
  }

  /** ok, draining, trusted, offline, or quarantined with its reason: what an operator must see at a glance. */
  static String status(WorkerInfo w) {
    if (w.reputation().quarantined()) {
      return "QUARANTINED until " + java.time.Instant.ofEpochMilli(w.reputation().quarantinedUntil())
          + ": " + w.reputation().quarantineReason();
    }
    String s = w.reputation().trusted() ? "trusted" : "ok";
    s = w.draining() ? s + ", draining" : s;
    return w.online() ? s : s + ", offline";
  }
}
