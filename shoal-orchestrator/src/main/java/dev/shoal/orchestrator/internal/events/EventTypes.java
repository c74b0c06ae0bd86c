package dev.shoal.orchestrator.internal.events;

import java.util.List;

/**
 * The event feed's type names (API.md "Events"): {@code subject.what}, lower case. A type is only
 * ever added, never renamed, so a follower's filter keeps meaning the same thing.
 */
public final class EventTypes {

  public static final String JOB_PUBLISHED = "job.published";
  public static final String JOB_STATUS_CHANGED = "job.status_changed";
  public static final String TASK_PUBLISHED = "task.published";
  public static final String TASK_STATUS_CHANGED = "task.status_changed";
  /** An attempt of the task was dispatched to a worker. */
  public static final String TASK_ASSIGNED = "task.assigned";
  /** The worker that ran an attempt submitted its signed result. */
  public static final String RESULT_SUBMITTED = "result.submitted";
  public static final String ATTEMPT_STATUS_CHANGED = "attempt.status_changed";
  public static final String WORKER_CONNECTED = "worker.connected";
  public static final String WORKER_STATUS_CHANGED = "worker.status_changed";
  public static final String WORKER_DISCONNECTED = "worker.disconnected";
  /** The acceptance policy judged a worker's result (the reputation ledger has the entry). */
  public static final String WORKER_JUDGED = "worker.judged";

  public static final String PRINCIPAL_CREATED = "principal.created";
  public static final String DELEGATE_SET = "delegate.set";
  public static final String DELEGATE_REVOKED = "delegate.revoked";
  public static final String PAIRING_CREATED = "pairing.created";
  public static final String PAIRING_ENDED = "pairing.ended";
  public static final String SERVICE_CREATED = "service.created";
  public static final String SERVICE_UPDATED = "service.updated";
  public static final String SERVICE_RETIRED = "service.retired";
  public static final String WORKER_REGISTERED = "worker.registered";
  public static final String WORKER_UNREGISTERED = "worker.unregistered";
  /** Credits moved between two accounts ({@code from}, {@code to}; {@code detail}: reason and amount). */
  public static final String CREDITS_MOVED = "credits.moved";

  /** Every type, in the order API.md lists them. */
  public static final List<String> ALL =
      List.of(
          JOB_PUBLISHED, JOB_STATUS_CHANGED, TASK_PUBLISHED, TASK_STATUS_CHANGED, TASK_ASSIGNED, RESULT_SUBMITTED,
          ATTEMPT_STATUS_CHANGED, WORKER_CONNECTED, WORKER_STATUS_CHANGED, WORKER_DISCONNECTED, WORKER_JUDGED,
          PRINCIPAL_CREATED, DELEGATE_SET, DELEGATE_REVOKED, PAIRING_CREATED, PAIRING_ENDED, SERVICE_CREATED,
          SERVICE_UPDATED, SERVICE_RETIRED, WORKER_REGISTERED, WORKER_UNREGISTERED, CREDITS_MOVED);

  private EventTypes() {}

  /** The type of an attempt moving {@code from} → {@code to} (state names; {@code from} empty when new). */
  public static String ofAttempt(String from, String to) {
    if (from.isEmpty() && to.equals("DISPATCHED")) {
      return TASK_ASSIGNED;
    }
    return to.equals("COMPLETED") ? RESULT_SUBMITTED : ATTEMPT_STATUS_CHANGED;
  }

  /** The type of a worker's session moving {@code from} → {@code to} ("connected", "draining", "gone"). */
  public static String ofWorker(String to) {
    return switch (to) {
      case "connected" -> WORKER_CONNECTED;
      case "gone" -> WORKER_DISCONNECTED;
      default -> WORKER_STATUS_CHANGED;
    };
  }
}
