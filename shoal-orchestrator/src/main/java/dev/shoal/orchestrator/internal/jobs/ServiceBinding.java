package dev.shoal.orchestrator.internal.jobs;

import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;

/**
 * What publishing a task to a service fixes: its operator, the model or command from the
 * service's config (null where none), its acceptance policy, the longest it may live, and
 * whether an outside scheduler assigns it.
 */
public record ServiceBinding(
    String id,
    String operator,
    String model,
    String command,
    AcceptancePolicy acceptance,
    long maxLifetimeMillis,
    boolean externallyScheduled,
    long minPayment,
    long maxPayment) {}
