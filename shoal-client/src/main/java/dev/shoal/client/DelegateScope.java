package dev.shoal.client;

import java.util.Locale;

/**
 * What a principal lets a delegate do for it: a client grants {@link #PUBLISH}, {@link #CANCEL}
 * and {@link #CONFIRM}; a fleet owner grants {@link #REGISTER} and {@link #ASSIGN}.
 */
public enum DelegateScope {
  /** Publish jobs and tasks (every submitting route) for the client. */
  PUBLISH,
  /** Cancel the client's jobs and tasks. */
  CANCEL,
  /** Confirm a result of the client's task under manual acceptance. */
  CONFIRM,
  /** Register and unregister the fleet owner's workers to services. */
  REGISTER,
  /** Assign tasks of externally scheduled services to the fleet owner's workers. */
  ASSIGN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scope named {@code wire}, or null if this SDK does not know it. */
  public static DelegateScope fromWire(String wire) {
    for (DelegateScope s : values()) {
      if (s.wireName().equals(wire)) {
        return s;
      }
    }
    return null;
  }
}
