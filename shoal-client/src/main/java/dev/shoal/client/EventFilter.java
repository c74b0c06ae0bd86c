package dev.shoal.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which events {@code events().page} and {@code events().follow} return: any of {@code types}
 * (exact names such as {@code task.assigned}, or a subject such as {@code task.*}; empty for
 * all), and, where not empty, exactly this service, job, task ({@code job.task}), principal and
 * worker (a peer id). Immutable: each {@code with…} returns a new filter.
 *
 * <p>Checked here only for what cannot be sent (an empty type, or one with a space or comma); the
 * orchestrator decides what a name means and answers an unknown one with {@link
 * InvalidArgumentException}, so a filter written against a newer orchestrator keeps working.
 */
public record EventFilter(List<String> types, String service, String job, String task, String principal, String worker) {

  /** Every event. */
  public static final EventFilter ALL = new EventFilter(List.of(), "", "", "", "", "");

  /** Nulls become "any"; {@code types} is copied. */
  public EventFilter {
    Objects.requireNonNull(types, "types");
    for (String t : types) {
      if (t == null || t.isEmpty() || t.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == ',')) {
        throw new IllegalArgumentException("an event type must be one name without spaces or commas, got '" + t + "'");
      }
    }
    types = List.copyOf(types);
    service = orEmpty(service);
    job = orEmpty(job);
    task = orEmpty(task);
    principal = orEmpty(principal);
    worker = orEmpty(worker);
  }

  /** Events of any of these types or subjects, e.g. {@code types("task.assigned", "worker.*")}. */
  public static EventFilter types(String... types) {
    return ALL.withTypes(types);
  }

  /** This filter with these types (replacing the ones it had). */
  public EventFilter withTypes(String... v) {
    return withTypes(List.of(v));
  }

  public EventFilter withTypes(List<String> v) {
    return new EventFilter(v, service, job, task, principal, worker);
  }

  /** This filter with one more type. */
  public EventFilter withType(String v) {
    List<String> more = new ArrayList<>(types);
    more.add(v);
    return withTypes(more);
  }

  public EventFilter withService(String v) {
    return new EventFilter(types, v, job, task, principal, worker);
  }

  public EventFilter withJob(String v) {
    return new EventFilter(types, service, v, task, principal, worker);
  }

  /** Only events about this task, named {@code job.task}. */
  public EventFilter withTask(String v) {
    return new EventFilter(types, service, job, v, principal, worker);
  }

  public EventFilter withPrincipal(String v) {
    return new EventFilter(types, service, job, task, v, worker);
  }

  /** Only events about this worker, named by its peer id. */
  public EventFilter withWorker(String v) {
    return new EventFilter(types, service, job, task, principal, v);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
