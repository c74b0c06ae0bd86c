package dev.shoal.orchestrator.internal.principals;

import dev.shoal.orchestrator.internal.core.Actor;

/**
 * Who sent a request: its API key, the principal that key belongs to ("" for an operator's key
 * or an orchestrator without keys), and the principal it says it acts for ({@code
 * Shoal-On-Behalf-Of}; "" for itself).
 */
public record Caller(String key, String principal, String onBehalfOf) {

  /** Nobody authenticated: an orchestrator without keys. */
  public static final Caller ANONYMOUS = new Caller("", "", "");

  public Caller {
    key = key == null ? "" : key;
    principal = principal == null ? "" : principal;
    onBehalfOf = onBehalfOf == null ? "" : onBehalfOf;
  }

  /** The principal the request acts for. */
  public String effective() {
    return onBehalfOf.isEmpty() ? principal : onBehalfOf;
  }

  /** The request as the journal records it: for whom, by which key. */
  public Actor actor() {
    return new Actor(effective(), key);
  }
}
