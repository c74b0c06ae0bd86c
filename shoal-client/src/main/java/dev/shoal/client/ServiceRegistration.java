package dev.shoal.client;

/**
 * A worker registered to a service: when (epoch ms) and by whom ({@code by}: the worker's fleet
 * owner, for itself or through a delegate, or the worker itself when its descriptor lists the
 * service). Tasks published to the service go only to its registered workers.
 */
public record ServiceRegistration(String service, String worker, long registeredAt, String by) {}
