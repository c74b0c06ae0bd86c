package dev.shoal.orchestrator.internal.principals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.time.FakeClock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PrincipalProofs;
import java.security.KeyPair;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The design brief's authority table, row by row: each action tried by the party that may do it
 * and by each party that may not. (Submitting a result and reporting a worker's own state are
 * bound to the worker's session in the worker protocol: WorkerLinkServiceTest and the core's
 * tests try them from the wrong worker.)
 */
class AuthorityTest {

  private final FakeClock clock = new FakeClock(1_000_000);
  private final InlineJournal journal = new InlineJournal();
  private Directory directory;
  private Authority authority;

  private String client;
  private String clientDelegate;
  private String otherClient;
  private String fleetOwner;
  private String fleetDelegate;

  private String register(PrincipalKind kind, String name) {
    KeyPair k = Ed25519.generate();
    byte[] pub = Ed25519.rawPublicKey(k.getPublic());
    byte[] proof = PrincipalProofs.sign(k.getPrivate(), kind.wireName(), name, clock.millis());
    return directory.register(kind, name, pub, clock.millis(), proof, new Actor("", "admin-key")).join().id();
  }

  @BeforeEach
  void setUp() {
    directory = new Directory(journal.store, journal, clock);
    authority = new Authority(directory, clock);
    client = register(PrincipalKind.CLIENT, "alice");
    clientDelegate = register(PrincipalKind.CLIENT, "alice-bot");
    otherClient = register(PrincipalKind.CLIENT, "mallory");
    fleetOwner = register(PrincipalKind.FLEET_OWNER, "fleet");
    fleetDelegate = register(PrincipalKind.CLIENT, "scheduler-bot");
  }

  private boolean may(Caller caller, Action action, String owner) {
    return authority.decide(caller, action, owner).allowed();
  }

  private static Caller as(String principal) {
    return new Caller("key-" + principal, principal, "");
  }

  private static Caller delegateOf(String principal, String delegate) {
    return new Caller("key-" + delegate, delegate, principal);
  }

  @Test
  void publishCancelAndConfirm_theClientAndItsScopedDelegateOnly() {
    directory.grant(client, clientDelegate, Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL, DelegateScope.CONFIRM), 0, Actor.NONE).join();
    for (Action a : new Action[] {Action.PUBLISH, Action.CANCEL, Action.CONFIRM}) {
      assertThat(may(as(client), a, client)).as("client, %s", a).isTrue();
      assertThat(may(delegateOf(client, clientDelegate), a, client)).as("client's delegate, %s", a).isTrue();
      assertThat(may(as(otherClient), a, client)).as("another client, %s", a).isFalse();
      assertThat(may(delegateOf(client, otherClient), a, client)).as("a non-delegate claiming to act, %s", a).isFalse();
      assertThat(may(as(fleetOwner), a, fleetOwner)).as("a fleet owner for itself, %s", a).isFalse();
      assertThat(may(new Caller("operator-key", "", client), a, client)).as("a key without principal, %s", a).isFalse();
      assertThat(may(new Caller("operator-key", "", ""), a, client)).as("an operator's key on a client's job, %s", a).isFalse();
    }
  }

  @Test
  void aDelegateNeedsTheScopeForEachAction() {
    directory.grant(client, clientDelegate, Set.of(DelegateScope.CANCEL), 0, Actor.NONE).join();
    assertThat(may(delegateOf(client, clientDelegate), Action.CANCEL, client)).isTrue();
    assertThat(authority.decide(delegateOf(client, clientDelegate), Action.PUBLISH, client).refusal())
        .hasValueSatisfying(why -> assertThat(why).contains("without the 'publish' scope"));
    assertThat(may(delegateOf(client, clientDelegate), Action.CONFIRM, client)).isFalse();
  }

  @Test
  void revocationIsImmediateAndExpiryIsEnforced() {
    directory.grant(client, clientDelegate, Set.of(DelegateScope.CANCEL), clock.millis() + 60_000, Actor.NONE).join();
    assertThat(may(delegateOf(client, clientDelegate), Action.CANCEL, client)).isTrue();
    clock.advance(60_000);
    assertThat(authority.decide(delegateOf(client, clientDelegate), Action.CANCEL, client).refusal())
        .hasValueSatisfying(why -> assertThat(why).contains("expired"));

    directory.grant(client, clientDelegate, Set.of(DelegateScope.CANCEL), 0, Actor.NONE).join();
    assertThat(may(delegateOf(client, clientDelegate), Action.CANCEL, client)).isTrue();
    assertThat(directory.revoke(client, clientDelegate, Actor.NONE).join()).isTrue();
    assertThat(authority.decide(delegateOf(client, clientDelegate), Action.CANCEL, client).refusal())
        .hasValueSatisfying(why -> assertThat(why).contains("revoked"));
  }

  @Test
  void services_theClientItselfOnly() {
    directory.grant(client, clientDelegate, Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL, DelegateScope.CONFIRM), 0, Actor.NONE).join();
    assertThat(may(as(client), Action.MANAGE_SERVICE, client)).isTrue();
    assertThat(may(delegateOf(client, clientDelegate), Action.MANAGE_SERVICE, client)).as("cannot be delegated").isFalse();
    assertThat(may(as(fleetOwner), Action.MANAGE_SERVICE, fleetOwner)).isFalse();
    assertThat(may(as(otherClient), Action.MANAGE_SERVICE, client)).isFalse();
  }

  @Test
  void registerAndAssign_theFleetOwnerAndItsScopedDelegateOnly() {
    directory.grant(fleetOwner, fleetDelegate, Set.of(DelegateScope.REGISTER), 0, Actor.NONE).join();
    assertThat(may(as(fleetOwner), Action.REGISTER, fleetOwner)).isTrue();
    assertThat(may(as(fleetOwner), Action.ASSIGN, fleetOwner)).isTrue();
    assertThat(may(delegateOf(fleetOwner, fleetDelegate), Action.REGISTER, fleetOwner)).isTrue();
    assertThat(may(delegateOf(fleetOwner, fleetDelegate), Action.ASSIGN, fleetOwner)).as("no assign scope").isFalse();
    directory.grant(fleetOwner, fleetDelegate, Set.of(DelegateScope.ASSIGN), 0, Actor.NONE).join();
    assertThat(may(delegateOf(fleetOwner, fleetDelegate), Action.ASSIGN, fleetOwner)).isTrue();
    assertThat(may(delegateOf(fleetOwner, fleetDelegate), Action.REGISTER, fleetOwner)).as("the new grant replaced the old").isFalse();
    assertThat(may(as(client), Action.REGISTER, client)).as("a client for itself").isFalse();
    assertThat(may(as(client), Action.ASSIGN, fleetOwner)).as("a client on a fleet's worker").isFalse();
    assertThat(may(delegateOf(fleetOwner, clientDelegate), Action.ASSIGN, fleetOwner)).as("not a delegate").isFalse();
  }

  @Test
  void delegating_theClientOrFleetOwnerForItselfOnly() {
    directory.grant(client, clientDelegate, Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL, DelegateScope.CONFIRM), 0, Actor.NONE).join();
    assertThat(may(as(client), Action.DELEGATE, client)).isTrue();
    assertThat(may(as(fleetOwner), Action.DELEGATE, fleetOwner)).isTrue();
    assertThat(may(delegateOf(client, clientDelegate), Action.DELEGATE, client)).as("a delegate cannot delegate").isFalse();
    assertThat(may(as(otherClient), Action.DELEGATE, client)).isFalse();
    assertThat(may(new Caller("operator-key", "", ""), Action.DELEGATE, "")).as("nobody to delegate for").isFalse();
  }

  @Test
  void whatBelongsToNobodyIsOpenToEveryKeyTheRouteAdmits() {
    assertThat(may(new Caller("operator-key", "", ""), Action.CANCEL, "")).isTrue();
    assertThat(may(as(client), Action.CANCEL, "")).isTrue();
    assertThat(may(Caller.ANONYMOUS, Action.PUBLISH, "")).isTrue();
  }
}
