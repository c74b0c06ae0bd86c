package dev.shoal.orchestrator.internal.store;

/**
 * A worker registered to a service from {@code registeredAt} until {@code endedAt} (0 while in
 * force). {@code by} is the principal that registered it (the worker itself, its fleet owner or
 * a fleet-side delegate), {@code actor} the key ("" when the worker did it over its own session).
 */
public record RegistrationRecord(String service, String worker, long registeredAt, long endedAt, String by, String actor) {

  public boolean inForce() {
    return endedAt == 0;
  }

  public RegistrationRecord ended(long at) {
    return new RegistrationRecord(service, worker, registeredAt, at, by, actor);
  }
}
