package dev.shoal.orchestrator.internal.auth;

import java.util.Collection;
import java.util.Locale;

/** What a key may do (API.md "Authentication"); {@link #ADMIN} implies the others. */
public enum Scope {
  /** Every GET. */
  READ,
  /** Run, stream and submit tasks and jobs, chat and completions, cancel, confirm, rate. */
  SUBMIT,
  /** Keys, trust, quarantine; and everything the others allow. */
  ADMIN;

  /** The name on the wire: {@code read}, {@code submit}, {@code admin}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether holding this scope allows a route that needs {@code needed}. */
  public boolean grants(Scope needed) {
    return this == ADMIN || this == needed;
  }

  /** Whether any of {@code held} allows a route that needs {@code needed}. */
  public static boolean allows(Collection<Scope> held, Scope needed) {
    for (Scope s : held) {
      if (s.grants(needed)) {
        return true;
      }
    }
    return false;
  }

  /** Parses a wire name exactly; the message lists the valid ones. */
  public static Scope fromWire(String name) {
    for (Scope s : values()) {
      if (s.wireName().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scope '" + name + "'; expected read, submit or admin");
  }
}
