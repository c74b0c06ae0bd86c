package dev.shoal.orchestrator.internal.core;

/**
 * Who a change is for and which key made it: {@code principal} is the client or fleet owner it
 * acts for (possibly through a delegate), {@code key} the API key that made the request. Both are
 * empty when nobody was authenticated (an orchestrator without keys) or the orchestrator itself
 * acted.
 */
public record Actor(String principal, String key) {

  /** Nobody in particular: the orchestrator itself, or an open orchestrator. */
  public static final Actor NONE = new Actor("", "");

  public Actor {
    principal = principal == null ? "" : principal;
    key = key == null ? "" : key;
  }
}
