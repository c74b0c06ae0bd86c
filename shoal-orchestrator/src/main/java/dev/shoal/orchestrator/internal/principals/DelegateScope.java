package dev.shoal.orchestrator.internal.principals;

import java.util.Locale;

/**
 * What a delegate may do for its principal. Client-side scopes can be granted only by a client,
 * fleet-side ones only by a fleet owner (the design brief's authority table).
 */
public enum DelegateScope {
  PUBLISH(PrincipalKind.CLIENT),
  CANCEL(PrincipalKind.CLIENT),
  CONFIRM(PrincipalKind.CLIENT),
  /** Register and unregister the principal's workers to services. */
  REGISTER(PrincipalKind.FLEET_OWNER),
  /** Assign tasks of externally scheduled services to the principal's workers. */
  ASSIGN(PrincipalKind.FLEET_OWNER);

  private final PrincipalKind grantor;

  DelegateScope(PrincipalKind grantor) {
    this.grantor = grantor;
  }

  /** The kind of principal that may grant this scope. */
  public PrincipalKind grantor() {
    return grantor;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DelegateScope fromWire(String s) {
    for (DelegateScope d : values()) {
      if (d.wireName().equals(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown delegate scope '" + s + "'; expected publish, cancel, confirm (a client's) or register, assign (a fleet owner's)");
  }
}
