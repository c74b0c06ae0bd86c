package dev.shoal.orchestrator.internal.principals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.time.FakeClock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.PrincipalProofs;
import java.security.KeyPair;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DirectoryTest {

  private final FakeClock clock = new FakeClock(5_000_000);
  private final InlineJournal journal = new InlineJournal();
  private final Directory directory = new Directory(journal.store, journal, clock);
  private final Actor admin = new Actor("", "kadmin");

  private String register(PrincipalKind kind, String name) {
    KeyPair k = Ed25519.generate();
    byte[] pub = Ed25519.rawPublicKey(k.getPublic());
    return directory.register(kind, name, pub, clock.millis(), PrincipalProofs.sign(k.getPrivate(), kind.wireName(), name, clock.millis()), admin)
        .join().id();
  }

  @Test
  void aPrincipalIsRegisteredOnlyWithProofOfItsKeyAndItsIdComesFromTheKey() {
    KeyPair k = Ed25519.generate();
    byte[] pub = Ed25519.rawPublicKey(k.getPublic());
    long now = clock.millis();
    byte[] proof = PrincipalProofs.sign(k.getPrivate(), "client", "alice", now);

    assertThatThrownBy(() -> directory.register(PrincipalKind.CLIENT, "bob", pub, now, proof, admin))
        .as("the proof names another principal").hasMessageContaining("signature does not prove");
    assertThatThrownBy(() -> directory.register(PrincipalKind.FLEET_OWNER, "alice", pub, now, proof, admin))
        .as("the proof asks for another kind").hasMessageContaining("signature does not prove");
    byte[] stranger = Ed25519.rawPublicKey(Ed25519.generate().getPublic());
    assertThatThrownBy(() -> directory.register(PrincipalKind.CLIENT, "alice", stranger, now, proof, admin))
        .as("someone else's key").hasMessageContaining("signature does not prove");
    clock.advance(PrincipalProofs.MAX_SKEW_MILLIS + 1);
    assertThatThrownBy(() -> directory.register(PrincipalKind.CLIENT, "alice", pub, now, proof, admin))
        .as("an old proof").hasMessageContaining("sign again");
    assertThat(directory.principals()).isEmpty();
    assertThat(journal.events).isEmpty();

    long later = clock.millis();
    var alice = directory.register(PrincipalKind.CLIENT, "alice", pub, later, PrincipalProofs.sign(k.getPrivate(), "client", "alice", later), admin).join();
    assertThat(alice.id()).isEqualTo(PeerIds.principalId(pub)).startsWith("p");
    assertThat(PeerIds.isPrincipalId(alice.id())).isTrue();
    assertThat(journal.store.principals()).extracting(r -> r.id()).containsExactly(alice.id());
    assertThat(journal.events).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventTypes.PRINCIPAL_CREATED);
      assertThat(e.principal()).isEqualTo(alice.id());
      assertThat(e.actor()).isEqualTo("kadmin");
    });
    assertThatThrownBy(() -> directory.register(PrincipalKind.CLIENT, "alice", pub, later,
                PrincipalProofs.sign(k.getPrivate(), "client", "alice", later), admin).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(dev.shoal.orchestrator.internal.core.ChangeRefused.class);
  }

  @Test
  void grantsAreCheckedRecordedAndSurviveAReload() {
    String alice = register(PrincipalKind.CLIENT, "alice");
    String bot = register(PrincipalKind.CLIENT, "bot");
    String fleet = register(PrincipalKind.FLEET_OWNER, "fleet");
    Actor aliceKey = new Actor(alice, "kalice");

    assertThatThrownBy(() -> directory.grant(alice, bot, Set.of(DelegateScope.REGISTER), 0, aliceKey))
        .hasMessageContaining("a client cannot grant 'register'");
    assertThatThrownBy(() -> directory.grant(fleet, bot, Set.of(DelegateScope.PUBLISH), 0, aliceKey))
        .hasMessageContaining("a fleet_owner cannot grant 'publish'");
    assertThatThrownBy(() -> directory.grant(alice, alice, Set.of(DelegateScope.PUBLISH), 0, aliceKey))
        .hasMessageContaining("its own delegate");
    assertThatThrownBy(() -> directory.grant(alice, "p" + "a".repeat(32), Set.of(DelegateScope.PUBLISH), 0, aliceKey))
        .isInstanceOf(dev.shoal.orchestrator.internal.core.ChangeRefused.class);
    assertThatThrownBy(() -> directory.grant(alice, bot, Set.of(DelegateScope.PUBLISH), clock.millis() - 1, aliceKey))
        .hasMessageContaining("in the past");

    directory.grant(alice, bot, Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL), 0, aliceKey).join();
    assertThat(directory.revoke(alice, bot, aliceKey).join()).isTrue();
    assertThat(directory.revoke(alice, bot, aliceKey).join()).as("nothing left to revoke").isFalse();

    assertThat(journal.events.stream().filter(e -> e.principal().equals(alice)).map(EventRecord::type))
        .containsExactly(EventTypes.PRINCIPAL_CREATED, EventTypes.DELEGATE_SET, EventTypes.DELEGATE_REVOKED);
    EventRecord set = journal.events.stream().filter(e -> e.type().equals(EventTypes.DELEGATE_SET)).findFirst().orElseThrow();
    assertThat(set.detail()).contains("delegate=" + bot).contains("publish,cancel");
    assertThat(set.actor()).isEqualTo("kalice");

    // A restart rebuilds the same picture from the store.
    Directory reloaded = new Directory(journal.store, journal, clock);
    assertThat(reloaded.principals()).hasSize(3);
    assertThat(reloaded.delegation(alice, bot)).hasValueSatisfying(d -> {
      assertThat(d.revokedAt()).isPositive();
      assertThat(d.scopes()).containsExactly("publish", "cancel");
    });
  }
}
