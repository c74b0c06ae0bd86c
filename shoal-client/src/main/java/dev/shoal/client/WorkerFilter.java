package dev.shoal.client;

/**
 * Which workers {@code workers().list} returns; every criterion given must hold. {@code model}
 * matches ignoring case; {@code availableOnly} keeps workers with a free slot that are neither
 * draining nor quarantined; {@code includeOffline} adds workers seen in the last hour that are gone
 * now. Immutable: each {@code with…} returns a new filter.
 */
public record WorkerFilter(String operator, String model, String service, boolean availableOnly, boolean includeOffline) {

  /** Every connected worker. */
  public static final WorkerFilter ALL = new WorkerFilter(null, null, null, false, false);

  /** Workers that run {@code operator} (e.g. {@code llm.chat@1}). */
  public static WorkerFilter operator(String operator) {
    return ALL.withOperator(operator);
  }

  /** Workers that serve {@code model}. */
  public static WorkerFilter model(String model) {
    return ALL.withModel(model);
  }

  public WorkerFilter withOperator(String v) {
    return new WorkerFilter(v, model, service, availableOnly, includeOffline);
  }

  public WorkerFilter withModel(String v) {
    return new WorkerFilter(operator, v, service, availableOnly, includeOffline);
  }

  public WorkerFilter withService(String v) {
    return new WorkerFilter(operator, model, v, availableOnly, includeOffline);
  }

  /** Only workers with a free slot, neither draining nor quarantined. */
  public WorkerFilter onlyAvailable() {
    return new WorkerFilter(operator, model, service, true, includeOffline);
  }

  /** Also workers seen in the last hour that are gone now. */
  public WorkerFilter withOffline() {
    return new WorkerFilter(operator, model, service, availableOnly, true);
  }
}
