package dev.shoal.orchestrator.internal.webhooks;

import java.net.InetAddress;

/**
 * A webhook URL taken apart by {@link TargetPolicy#parse}: what to dial and what to send.
 * {@code host} is without brackets; {@code literal} is the address when the host is one (no DNS
 * then); {@code hostHeader} and {@code requestTarget} go into the request as they were written.
 */
public record WebhookTarget(
    boolean https, String host, InetAddress literal, int port, String hostHeader, String requestTarget) {}
