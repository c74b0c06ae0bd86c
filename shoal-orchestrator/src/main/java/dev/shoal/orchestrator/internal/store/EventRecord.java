package dev.shoal.orchestrator.internal.store;

/**
 * One append-only, sequence-numbered state change: what the event feed (API.md "Events") serves.
 * {@code type} is its wire name ({@code task.status_changed}, see {@code EventTypes}); {@code
 * kind} what it is about ("job", "task", "attempt", "worker", "judgement"); ids that do not apply
 * are empty and {@code attempt} is 0 when not about an attempt. {@code principal} is on whose
 * behalf it happened and {@code actor} the key that acted (empty when the orchestrator itself
 * acted, or nobody was authenticated).
 */
public record EventRecord(
    long seq,
    long at,
    String type,
    String kind,
    String jobId,
    String taskId,
    int attempt,
    String peerId,
    String from,
    String to,
    String detail,
    String service,
    String principal,
    String actor) {

  /** The same event as number {@code seq} of the log, stamped {@code at}. */
  public EventRecord numbered(long seq, long at) {
    return new EventRecord(seq, at, type, kind, jobId, taskId, attempt, peerId, from, to, detail, service, principal, actor);
  }
}
