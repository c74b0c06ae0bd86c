package dev.shoal.client;

/**
 * A job's state and progress. {@code state} is one of running, succeeded, failed, cancelled,
 * expired; times are epoch milliseconds, {@code finishedAt} is 0 while it runs; {@code error} is
 * null unless it ended badly.
 */
public record JobInfo(
    String id,
    String kind,
    String state,
    long createdAt,
    long finishedAt,
    Progress tasks,
    int attempts,
    int retries,
    String error) {

  /**
   * Task counts by state; {@code waiting} counts tasks of a task graph waiting for the tasks they
   * read, {@code awaitingConfirmation} manual tasks waiting for the client.
   */
  public record Progress(
      int total,
      int waiting,
      int ready,
      int running,
      int validating,
      int succeeded,
      int failed,
      int cancelled,
      int expired,
      int awaitingConfirmation) {

    /** Tasks in a final state. */
    public int finished() {
      return succeeded + failed + cancelled + expired;
    }
  }

  /** Whether the job has reached a final state. */
  public boolean finished() {
    return !"running".equals(state);
  }

  public boolean succeeded() {
    return "succeeded".equals(state);
  }
}
