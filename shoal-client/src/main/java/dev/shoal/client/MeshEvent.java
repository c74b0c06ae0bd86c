package dev.shoal.client;

import java.time.Instant;
import java.util.List;

/**
 * One event of the orchestrator's durable log ({@code GET /v1/events}, API.md "Events"). {@code
 * seq} is global, dense and increasing: a follower that resumes after the last {@code seq} it saw
 * misses nothing and sees nothing twice. {@code at} is epoch milliseconds; {@code taskId} is the
 * wire form {@code job.task}; {@code worker} is a peer id; {@code principal} is on whose behalf the
 * change happened and {@code actor} the key that made it. Fields that do not apply to the event's
 * {@code type} are empty strings, or 0 for {@code attempt}.
 */
public record MeshEvent(
    long seq,
    long at,
    String type,
    String jobId,
    String taskId,
    int attempt,
    String worker,
    String service,
    String principal,
    String actor,
    String from,
    String to,
    String detail) {

  /** The moment of the event. */
  public Instant time() {
    return Instant.ofEpochMilli(at);
  }

  /**
   * One page of the log: the matching events, the cursor to pass as the next {@code after} (it
   * moves past events the filter skipped), and the newest sequence number there is.
   */
  public record Page(List<MeshEvent> events, long nextAfter, long head) {
    public Page {
      events = List.copyOf(events);
    }

    /** True when events past {@link #nextAfter()} exist now (whether or not they match the filter). */
    public boolean hasMore() {
      return nextAfter < head;
    }
  }
}
