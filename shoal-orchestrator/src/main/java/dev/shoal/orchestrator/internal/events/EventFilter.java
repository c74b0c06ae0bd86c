package dev.shoal.orchestrator.internal.events;

import dev.shoal.orchestrator.internal.store.EventRecord;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which events a follower wants: any of {@code types} (exact names, or {@code task.*} for a whole
 * subject; empty for all), and, where given, exactly this service, job, task, principal and
 * worker ({@code taskId} is the wire form {@code job.task}). Built through {@link #of}, which
 * refuses names the feed never sends.
 */
public record EventFilter(
    Set<String> types, String service, String jobId, String taskId, String principal, String worker) {

  /** Everything. */
  public static final EventFilter ALL = new EventFilter(Set.of(), "", "", "", "", "");

  /** Longest id a filter accepts: ids longer than any the orchestrator makes match nothing anyway. */
  private static final int MAX_ID = 256;
  private static final int MAX_TYPES = 32;

  public EventFilter {
    types = Set.copyOf(types);
  }

  /**
   * A validated filter; null or empty arguments mean "any".
   *
   * @throws IllegalArgumentException naming the bad part and what is allowed
   */
  public static EventFilter of(
      List<String> types, String service, String jobId, String taskId, String principal, String worker) {
    List<String> given = types == null ? List.of() : types;
    if (given.size() > MAX_TYPES) {
      throw new IllegalArgumentException("at most " + MAX_TYPES + " types, got " + given.size());
    }
    for (String t : given) {
      if (!EventTypes.ALL.contains(t) && !isKnownSubject(t)) {
        throw new IllegalArgumentException(
            "unknown event type '" + printable(t) + "'; expected one of " + EventTypes.ALL + " or a subject such as task.*");
      }
    }
    return new EventFilter(
        Set.copyOf(given), id("service", service), id("job", jobId), id("task", taskId), id("principal", principal),
        id("worker", worker));
  }

  private static boolean isKnownSubject(String t) {
    if (!t.endsWith(".*")) {
      return false;
    }
    String subject = t.substring(0, t.length() - 1);
    return EventTypes.ALL.stream().anyMatch(k -> k.startsWith(subject));
  }

  private static String id(String what, String value) {
    if (value == null) {
      return "";
    }
    if (value.length() > MAX_ID || value.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException(what + " must be at most " + MAX_ID + " printable ASCII characters without spaces");
    }
    return value;
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return cut.codePoints()
        .map(c -> c < 0x20 || c == 0x7f ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }

  public boolean matches(EventRecord e) {
    return (types.isEmpty() || types.contains(e.type()) || types.contains(subjectOf(e.type())))
        && (service.isEmpty() || service.equals(e.service()))
        && (jobId.isEmpty() || jobId.equals(e.jobId()))
        && (taskId.isEmpty() || isTask(e))
        && (principal.isEmpty() || principal.equals(e.principal()))
        && (worker.isEmpty() || worker.equals(e.peerId()));
  }

  /** Task ids on the wire are {@code job.task}, unique across jobs. */
  private boolean isTask(EventRecord e) {
    return !e.taskId().isEmpty()
        && taskId.length() == e.jobId().length() + 1 + e.taskId().length()
        && taskId.startsWith(e.jobId())
        && taskId.charAt(e.jobId().length()) == '.'
        && taskId.endsWith(e.taskId());
  }

  private static String subjectOf(String type) {
    int dot = type.indexOf('.');
    return dot < 0 ? type : type.substring(0, dot) + ".*";
  }

  @Override
  public String toString() {
    return types.stream().sorted().collect(Collectors.joining(",", "types=[", "]"))
        + (service.isEmpty() ? "" : " service=" + service)
        + (jobId.isEmpty() ? "" : " job=" + jobId)
        + (taskId.isEmpty() ? "" : " task=" + taskId)
        + (principal.isEmpty() ? "" : " principal=" + principal)
        + (worker.isEmpty() ? "" : " worker=" + worker);
  }
}
