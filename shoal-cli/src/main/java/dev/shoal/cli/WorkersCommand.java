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
      List<WorkerInfo> workers = c.workers();
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(ClientOptions.toJson(Map.of("workers", workers)));
        return 0;
      }
      if (workers.isEmpty()) {
        out.println("no workers connected");
        return 0;
      }
      out.printf("%-14s %-16s %-6s %5s %9s %8s %6s  %s%n", "PEER", "NAME", "ARCH", "CORES", "MEMORY", "SLOTS", "LOAD", "OPERATORS");
      for (WorkerInfo w : workers) {
        out.printf(
            "%-14s %-16s %-6s %5d %8.1fG %3d/%-4d %6.2f  %d%s%n",
            w.peerId().substring(0, Math.min(12, w.peerId().length())) + "…",
            w.name(),
            w.arch(),
            w.cores(),
            w.memoryBytes() / 1e9,
            w.running(),
            w.capacity(),
            w.cpuLoad(),
            w.operators().size(),
            w.draining() ? "  (draining)" : "");
      }
      return 0;
    }
  }
}
