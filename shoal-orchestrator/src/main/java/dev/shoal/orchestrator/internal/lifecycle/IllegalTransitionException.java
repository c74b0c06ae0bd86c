package dev.shoal.orchestrator.internal.lifecycle;

/** A state change the transition table does not allow: a bug, never a user error. */
public final class IllegalTransitionException extends IllegalStateException {
  public IllegalTransitionException(String what, Enum<?> from, Enum<?> to) {
    super(what + ": " + from + " -> " + to + " is not a legal transition");
  }
}
