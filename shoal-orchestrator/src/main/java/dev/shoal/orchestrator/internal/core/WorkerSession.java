package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One connected worker as the core sees it. Confined to the core's synchronization context:
 * never touched from another thread after construction.
 */
public final class WorkerSession {

  final long sessionId;
  final String peerId;
  final NodeDescriptor descriptor;
  /** The worker's key, decoded and validated once for all its results. */
  private final dev.shoal.protocol.Ed25519.Verifier verifier;
  final WorkerChannel channel;
  final String protocolVersion;
  final Set<String> operators;
  final Set<String> models;
  /** Models by lower-cased name, for matching that ignores case. */
  private final Map<String, String> modelsByLowerName = new LinkedHashMap<>();
  private final Set<String> servicesLower = new HashSet<>();
  private final String nameLower;
  final Set<String> accelerators = new HashSet<>();
  final int capacity;
  final long connectedAt;
  /** Slots reserved at dispatch and held until the worker is done with the attempt. */
  int reserved;
  long lastSeen;
  Load load = Load.getDefaultInstance();
  boolean draining;
  boolean gone;
  /** Whether it speaks protocol 1.2, which fetches inputs by reference (and uploads large outputs). */
  final boolean resolvesData;
  /** Stored inputs this worker was sent lately: where tasks reading them should go. */
  final HeldData held = new HeldData(HeldData.DEFAULT_BYTES);
  /** Attempts holding a slot on this worker, live or ended-but-unconfirmed. */
  final Map<String, Attempt> holding = new LinkedHashMap<>();

  public WorkerSession(long sessionId, NodeDescriptor descriptor, WorkerChannel channel, String protocolVersion, long now) {
    this.sessionId = sessionId;
    this.peerId = descriptor.getPeerId();
    this.descriptor = descriptor;
    this.verifier = dev.shoal.protocol.Ed25519.verifier(descriptor.getPublicKey().toByteArray());
    this.channel = channel;
    this.protocolVersion = protocolVersion;
    this.resolvesData = atLeast(protocolVersion, 1, 2);
    this.operators = Set.copyOf(descriptor.getOperatorsList());
    this.models = Set.copyOf(descriptor.getModelsList());
    for (String m : descriptor.getModelsList()) {
      modelsByLowerName.putIfAbsent(lower(m), m);
    }
    descriptor.getServicesList().forEach(x -> servicesLower.add(lower(x)));
    this.nameLower = lower(descriptor.getName());
    descriptor.getHardware().getAcceleratorsList().forEach(a -> accelerators.add(a.getKind()));
    this.capacity = descriptor.getMaxConcurrentTasks();
    this.connectedAt = now;
    this.lastSeen = now;
  }

  /** Whether a version "major.minor.patch" is at least {@code major.minor}. */
  static boolean atLeast(String version, int major, int minor) {
    String[] parts = version.split("\\.");
    try {
      int ma = Integer.parseInt(parts[0]);
      int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return ma > major || ma == major && mi >= minor;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public String peerId() {
    return peerId;
  }

  /** Checks signatures by the key every result of this worker must be signed with. */
  public dev.shoal.protocol.Ed25519.Verifier verifier() {
    return verifier;
  }

  public long sessionId() {
    return sessionId;
  }

  int freeSlots() {
    return capacity - reserved;
  }

  boolean canRun(Task task) {
    return !draining
        && !gone
        && operators.contains(task.operator)
        && (task.model.isEmpty() || models.contains(task.model))
        && (task.accelerator.isEmpty() || accelerators.contains(task.accelerator))
        && task.memoryBytes <= descriptor.getMaxTaskBytes()
        && tier(task.routing) > 0;
  }

  /**
   * How well this worker matches a task's routing: 1 best, higher worse, 0 not at all. See
   * {@link Routing} for the tiers.
   */
  int tier(Routing r) {
    if (!r.pinnedPeer().isEmpty()) {
      return r.pinnedPeer().equals(peerId) ? 1 : 0;
    }
    String m = r.match();
    if (m.isEmpty() || m.equals(peerId)) {
      return 1;
    }
    String lower = lower(m);
    if (lower.equals(nameLower) || servicesLower.contains(lower)) {
      return 2;
    }
    return modelsByLowerName.containsKey(lower) ? 3 : 0;
  }

  /**
   * The model this worker should run an {@code llm.*} task with: the task's own, else the model
   * its match named (spelled as the worker spells it), else the worker's first model.
   */
  String modelFor(Task task) {
    if (!task.model.isEmpty() || !task.operator.startsWith("llm.")) {
      return task.model;
    }
    String named = modelsByLowerName.get(lower(task.routing.match()));
    if (named != null) {
      return named;
    }
    List<String> all = descriptor.getModelsList();
    return all.isEmpty() ? "" : all.getFirst();
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  WorkerStatus status(Standing standing, boolean trusted) {
    return new WorkerStatus(
        descriptor, capacity, reserved, load, draining, connectedAt, lastSeen, protocolVersion, standing, trusted);
  }
}
