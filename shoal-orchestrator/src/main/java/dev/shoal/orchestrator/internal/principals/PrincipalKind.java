package dev.shoal.orchestrator.internal.principals;

import java.util.Locale;

/** What a registered principal is. Workers are principals too, identified by their peer id, never registered here. */
public enum PrincipalKind {
  /** Publishes work, creates services, confirms results. */
  CLIENT,
  /** Owns workers: registers them to services and assigns them tasks. */
  FLEET_OWNER;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code client} or {@code fleet_owner} exactly. */
  public static PrincipalKind fromWire(String s) {
    for (PrincipalKind k : values()) {
      if (k.wireName().equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("kind must be client or fleet_owner, got '" + s + "'");
  }
}
