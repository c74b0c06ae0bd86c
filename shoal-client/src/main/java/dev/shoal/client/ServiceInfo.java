package dev.shoal.client;

/**
 * A client's service as the orchestrator keeps it: its id ({@code svc_…}), its owner (the client
 * that created it), {@code spec} with every field filled in (defaults included), its state
 * ({@code active}, or {@code retired} for good) and when it was created and last changed (epoch
 * ms).
 */
public record ServiceInfo(String id, String owner, ServiceSpec spec, String state, long createdAt, long updatedAt) {

  /** Whether it takes new tasks: a retired service never will again. */
  public boolean active() {
    return "active".equals(state);
  }

  /** Its name, unique among live services. */
  public String name() {
    return spec.name();
  }
}
