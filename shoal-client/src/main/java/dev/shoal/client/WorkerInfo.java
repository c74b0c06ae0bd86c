package dev.shoal.client;

import java.util.List;

/**
 * A worker as the orchestrator sees it (API.md, "Workers"): its peer id (the only identity that is
 * verified; name, owner, models and services are self-declared), whether it is connected, its load
 * in slots, hardware, what it runs and serves, and its reputation. Times are epoch milliseconds.
 */
public record WorkerInfo(
    String peerId,
    String name,
    String owner,
    boolean online,
    Load load,
    int freeSlots,
    boolean draining,
    double cpuLoad,
    Hardware hardware,
    List<String> operators,
    List<String> models,
    List<String> services,
    long connectedAt,
    long lastSeen,
    String protocolVersion,
    Reputation reputation) {

  public WorkerInfo {
    operators = List.copyOf(operators);
    models = List.copyOf(models);
    services = List.copyOf(services);
  }

  /** Whether a task sent now could start: connected, a free slot, neither draining nor quarantined. */
  public boolean available() {
    return online && freeSlots > 0 && !draining && !reputation.quarantined();
  }

  /** Attempts running now out of the most it takes at once. */
  public record Load(int current, int max) {}

  /** The worker's machine, as measured by the worker. */
  public record Hardware(String arch, String os, int cores, long memoryBytes, List<Accelerator> accelerators) {
    public Hardware {
      accelerators = List.copyOf(accelerators);
    }
  }

  /** One accelerator ("gpu", its model, its memory). */
  public record Accelerator(String kind, String model, long memoryBytes) {}
}
