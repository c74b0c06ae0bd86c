package dev.shoal.orchestrator.internal.principals;

import dev.shoal.orchestrator.internal.store.DelegationRecord;
import dev.shoal.orchestrator.internal.time.Clock;
import java.util.Optional;

/**
 * The design brief's authority table, decided for one request: may this caller do this action to
 * something that belongs to {@code owner}? Acting as itself, a principal may do what its kind may;
 * acting for another ({@code Shoal-On-Behalf-Of}), only what that principal delegated to it, in
 * force now. Things published without a principal (by an operator's key, or on an orchestrator
 * without keys) belong to nobody, and any key whose scope allows the route may act on them.
 * Thread-safe; reads the {@link Directory} as it is now.
 */
public final class Authority {

  /** The verdict: empty when allowed, else why not. */
  public record Verdict(Optional<String> refusal) {
    static final Verdict ALLOWED = new Verdict(Optional.empty());

    static Verdict refused(String why) {
      return new Verdict(Optional.of(why));
    }

    public boolean allowed() {
      return refusal.isEmpty();
    }
  }

  private final Directory directory;
  private final Clock clock;

  public Authority(Directory directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  /**
   * Whether {@code caller} may do {@code action} to what belongs to {@code owner} ("" for nobody;
   * for {@link Action#PUBLISH} and {@link Action#DELEGATE}, the principal acted for).
   */
  public Verdict decide(Caller caller, Action action, String owner) {
    String acting = caller.effective();
    if (owner.isEmpty()) {
      // Nobody's: open to every key the route's scope admits, but delegating needs someone.
      return action == Action.DELEGATE && acting.isEmpty()
          ? Verdict.refused("only a client or a fleet owner can " + action.what())
          : Verdict.ALLOWED;
    }
    if (!owner.equals(acting)) {
      return Verdict.refused(
          acting.isEmpty()
              ? "this belongs to " + owner + "; only it (or its delegate) may " + action.what()
              : "this belongs to " + owner + ", not to " + acting);
    }
    Optional<PrincipalKind> kind = directory.kindOf(owner);
    if (kind.isEmpty()) {
      return Verdict.refused("no principal " + owner + " is registered");
    }
    if (action.owner() != null && action.owner() != kind.get()) {
      return Verdict.refused("a " + kind.get().wireName() + " cannot " + action.what() + "; a " + action.owner().wireName() + " can");
    }
    if (caller.principal().equals(owner)) {
      return Verdict.ALLOWED;
    }
    // Acting for another principal: only through a delegation in force with the right scope.
    DelegateScope needed = action.delegable();
    if (needed == null) {
      return Verdict.refused("only " + owner + " itself may " + action.what() + "; it cannot be delegated");
    }
    if (caller.principal().isEmpty()) {
      return Verdict.refused("a key without a principal cannot act for " + owner);
    }
    DelegationRecord d = directory.delegation(owner, caller.principal()).orElse(null);
    if (d == null) {
      return Verdict.refused(caller.principal() + " is not a delegate of " + owner);
    }
    if (!d.inForce(clock.millis())) {
      return Verdict.refused(
          caller.principal() + "'s delegation from " + owner + (d.revokedAt() != 0 ? " was revoked" : " has expired"));
    }
    if (!d.scopes().contains(needed.wireName())) {
      return Verdict.refused(caller.principal() + " is a delegate of " + owner + " without the '" + needed.wireName() + "' scope");
    }
    return Verdict.ALLOWED;
  }
}
