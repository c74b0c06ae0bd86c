package dev.shoal.cli;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.WorkerInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists connected workers. */
@Command(name = "workers", mixinStandardHelpOptions = true, description = "Lists the workers connected to an orchestrator.")
final class WorkersCommand implements Callable<Integer> {

  @Mixin ClientOptions client;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (ShoalClient c = client.connect()) {
      List<WorkerInfo> workers = c.workers().list();
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("workers", workers)));
        return 0;
      }
      if (workers.isEmpty()) {
        out.println("no workers connected");
        return 0;
      }
      out.printf(
          "%-33s %-14s %-6s %5s %8s %8s %5s %6s  %s%n",
          "PEER", "NAME", "ARCH", "CORES", "MEMORY", "SLOTS", "LOAD", "SCORE", "STATUS");
      for (WorkerInfo w : workers) {
        out.printf(
            "%-33s %-14s %-6s %5d %7.1fG %3d/%-4d %5.2f %6.2f  %s%n",
            w.peerId(),
            w.name().length() > 14 ? w.name().substring(0, 13) + "…" : w.name(),
            w.hardware().arch(),
            w.hardware().cores(),
            w.hardware().memoryBytes() / 1e9,
            w.load().current(),
            w.load().max(),
            w.cpuLoad(),
            w.reputation().score(),
            status(w));
      }
      return 0;
    }
  }

  /** ok, draining, trusted, or quarantined with its reason: what an operator must see at a glance. */
  static String status(WorkerInfo w) {
    if (w.reputation().quarantined()) {
      return "QUARANTINED until " + java.time.Instant.ofEpochMilli(w.reputation().quarantinedUntil())
          + ": " + w.reputation().quarantineReason();
    }
    String s = w.reputation().trusted() ? "trusted" : "ok";
    return w.draining() ? s + ", draining" : s;
  }
}
