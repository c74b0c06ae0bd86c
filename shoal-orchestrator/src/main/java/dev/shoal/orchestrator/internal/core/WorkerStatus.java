package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;

/**
 * A connected worker as the registry sees it: its descriptor, reserved slots and last load, its
 * reputation and quarantine, and whether an admin registered it as trusted.
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
    boolean trusted) {}
