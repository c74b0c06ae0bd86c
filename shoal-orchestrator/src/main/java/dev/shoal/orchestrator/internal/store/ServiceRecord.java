package dev.shoal.orchestrator.internal.store;

/**
 * A service as stored: what its tasks run ({@code operator}, and {@code config} as JSON: model,
 * allowlisted command or image), what a worker needs ({@code hardware} as JSON), how results are
 * accepted, the payment bounds per task (credits), the longest a task may live, whether an
 * outside scheduler assigns its tasks, and whether it is retired (one-way). {@code owner} is the
 * client that created it; {@code actor} the key that last changed it.
 */
public record ServiceRecord(
    String id,
    String owner,
    String name,
    String operator,
    String config,
    String hardware,
    String acceptance,
    long minPayment,
    long maxPayment,
    long maxLifetimeMillis,
    boolean externallyScheduled,
    boolean retired,
    long createdAt,
    long updatedAt,
    String actor) {}
