package dev.shoal.client;

import java.util.List;

/** A connected worker as the orchestrator sees it, with its reputation; times are epoch milliseconds. */
public record WorkerInfo(
    String peerId,
    String name,
    String arch,
    String os,
    int cores,
    long memoryBytes,
    List<Accelerator> accelerators,
    List<String> operators,
    List<String> models,
    int capacity,
    int running,
    int freeSlots,
    double cpuLoad,
    boolean draining,
    long connectedAt,
    long lastSeen,
    String protocolVersion,
    Reputation reputation) {

  public WorkerInfo {
    accelerators = List.copyOf(accelerators);
    operators = List.copyOf(operators);
    models = List.copyOf(models);
  }

  /** One accelerator of the worker's machine ("gpu", its model, its memory). */
  public record Accelerator(String kind, String model, long memoryBytes) {}
}
