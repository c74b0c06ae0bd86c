package dev.shoal.orchestrator.internal.principals;

/**
 * The writes the authority table governs that are made through the client API. Submitting a
 * result and reporting a worker's own state are bound to the worker's authenticated session in
 * the worker protocol instead, and never pass through here.
 */
public enum Action {
  PUBLISH(PrincipalKind.CLIENT, DelegateScope.PUBLISH, "publish jobs and tasks"),
  CANCEL(PrincipalKind.CLIENT, DelegateScope.CANCEL, "cancel jobs and tasks"),
  CONFIRM(PrincipalKind.CLIENT, DelegateScope.CONFIRM, "confirm results"),
  MANAGE_SERVICE(PrincipalKind.CLIENT, null, "create, update and retire services"),
  REGISTER(PrincipalKind.FLEET_OWNER, DelegateScope.REGISTER, "register workers to services"),
  ASSIGN(PrincipalKind.FLEET_OWNER, DelegateScope.ASSIGN, "assign tasks to workers"),
  PAIR(PrincipalKind.FLEET_OWNER, null, "pair and unpair workers"),
  /** Either kind of principal, for itself only. */
  DELEGATE(null, null, "authorise and revoke delegates");

  private final PrincipalKind owner;
  private final DelegateScope delegable;
  private final String what;

  Action(PrincipalKind owner, DelegateScope delegable, String what) {
    this.owner = owner;
    this.delegable = delegable;
    this.what = what;
  }

  /** The kind of principal that may do this for itself; null when either kind may. */
  public PrincipalKind owner() {
    return owner;
  }

  /** The scope a delegate needs to do this for its principal; null when it cannot be delegated. */
  public DelegateScope delegable() {
    return delegable;
  }

  /** For messages: "cancel jobs and tasks". */
  public String what() {
    return what;
  }
}
