package dev.shoal.orchestrator.internal.store;

/** A job's overall state, derived from its tasks. */
public enum JobState {
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  EXPIRED;

  public boolean isTerminal() {
    return this != RUNNING;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
