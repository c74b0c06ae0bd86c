package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
  private final byte[] publicKey;
  final WorkerChannel channel;
  final String protocolVersion;
  final Set<String> operators;
  final Set<String> models;
  final Set<String> accelerators = new HashSet<>();
  final int capacity;
  final long connectedAt;
  /** Slots reserved at dispatch and held until the worker is done with the attempt. */
  int reserved;
  long lastSeen;
  Load load = Load.getDefaultInstance();
  boolean draining;
  boolean gone;
  /** Attempts holding a slot on this worker, live or ended-but-unconfirmed. */
  final Map<String, Attempt> holding = new LinkedHashMap<>();

  public WorkerSession(long sessionId, NodeDescriptor descriptor, WorkerChannel channel, String protocolVersion, long now) {
    this.sessionId = sessionId;
    this.peerId = descriptor.getPeerId();
    this.descriptor = descriptor;
    this.publicKey = descriptor.getPublicKey().toByteArray();
    this.channel = channel;
    this.protocolVersion = protocolVersion;
    this.operators = Set.copyOf(descriptor.getOperatorsList());
    this.models = Set.copyOf(descriptor.getModelsList());
    descriptor.getHardware().getAcceleratorsList().forEach(a -> accelerators.add(a.getKind()));
    this.capacity = descriptor.getMaxConcurrentTasks();
    this.connectedAt = now;
    this.lastSeen = now;
  }

  public String peerId() {
    return peerId;
  }

  /** The raw Ed25519 key every result of this worker must be signed with. */
  public byte[] publicKey() {
    return publicKey;
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
        && task.memoryBytes <= descriptor.getMaxTaskBytes();
  }

  WorkerStatus status(Standing standing, boolean trusted) {
    return new WorkerStatus(
        descriptor, capacity, reserved, load, draining, connectedAt, lastSeen, protocolVersion, standing, trusted);
  }
}
