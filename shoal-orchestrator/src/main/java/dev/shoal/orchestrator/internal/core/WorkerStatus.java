package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;

/**
 * A worker as the registry sees it: its descriptor, reserved slots and last load, its reputation
 * and quarantine, whether an admin registered it as trusted, and whether it is connected now
 * ({@code online}; a worker gone lately is still listed on request, with its last state).
 */
public record WorkerStatus(
    NodeDescriptor descriptor,
    int capacity,
    int reserved,
    Load load,
    boolean draining,
    long connectedAt,
    long lastSeen,
    String protocolVersion,
    Standing standing,
    boolean trusted,
    boolean online) {

  /** A connected worker. */
  public WorkerStatus(
      NodeDescriptor descriptor, int capacity, int reserved, Load load, boolean draining, long connectedAt,
      long lastSeen, String protocolVersion, Standing standing, boolean trusted) {
    this(descriptor, capacity, reserved, load, draining, connectedAt, lastSeen, protocolVersion, standing, trusted, true);
  }

  /** Has a free slot, is not draining and not quarantined. */
  public boolean available() {
    return online && !draining && reserved < capacity && !standing.quarantined();
  }
}
