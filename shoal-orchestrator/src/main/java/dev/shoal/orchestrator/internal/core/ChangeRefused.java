package dev.shoal.orchestrator.internal.core;

/**
 * A change to principals, delegations, pairings or services refused for a reason the caller can
 * act on; nothing was written. The HTTP API answers {@code 404}, {@code 409} or {@code 400} by
 * its kind.
 */
public final class ChangeRefused extends RuntimeException {

  public enum Kind { NOT_FOUND, CONFLICT, INVALID }

  private final Kind kind;

  public ChangeRefused(String message, Kind kind) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
