package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.internal.PrincipalKeys;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK on API.md's principal and delegate routes against a real orchestrator with keys: an
 * admin registers principals with proofs the SDK signs, binds keys to them; a client authorises a
 * delegate, which then publishes and cancels for it through {@code onBehalfOf}, until the grant
 * is revoked or expires. The event log says for whom and by which key.
 */
class PrincipalRoutesTest {

  private LiveMesh mesh;
  private ShoalClient admin;

  @BeforeEach
  void start() {
    mesh = LiveMesh.start();
    ShoalClient anonymous = mesh.client();
    // While no key exists a loopback orchestrator answers everyone: the first key is the admin's.
    NewApiKey key = anonymous.keys().create("ops", Set.of(ApiKey.Scope.ADMIN), 1000);
    admin = anonymous.withOptions(o -> o.apiKey(key.key()));
  }

  @AfterEach
  void stop() {
    admin.close();
    mesh.close();
  }

  private static KeyPair ed25519() throws Exception {
    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  /** A client whose key acts as {@code principal}; closed by the test. */
  private ShoalClient clientOf(PrincipalInfo principal) {
    NewApiKey k = admin.keys().create(principal.name(), Set.of(ApiKey.Scope.SUBMIT, ApiKey.Scope.READ), 1000, principal.id());
    assertThat(k.principal()).isEqualTo(principal.id());
    return admin.withOptions(o -> o.apiKey(k.key()));
  }

  private static TaskRequest queued() {
    // No worker runs it: the task waits queued, for someone to cancel.
    return TaskRequest.process("echo", null);
  }

  @Test
  void aDelegateActsForItsClientOnlyWithAGrantInForce() throws Exception {
    KeyPair aliceKeys = ed25519();
    KeyPair botKeys = ed25519();
    PrincipalInfo alice = admin.principals().register(PrincipalInfo.Kind.CLIENT, "alice", aliceKeys);
    // The bot's private key stays with a signer of its own; only the raw public key is handed over.
    byte[] botPublic = PrincipalKeys.rawPublicKey(botKeys.getPublic());
    PrincipalInfo bot =
        admin.principals().register(PrincipalInfo.Kind.CLIENT, "alice-bot", botPublic, m -> PrincipalKeys.sign(botKeys.getPrivate(), m));

    assertThat(alice.id()).isEqualTo(Principals.principalIdOf(aliceKeys.getPublic()));
    assertThat(bot.id()).isEqualTo(Principals.principalIdOf(botPublic));
    assertThat(bot.rawPublicKey()).isEqualTo(botPublic);
    assertThat(admin.principals().list()).extracting(PrincipalInfo::name).containsExactly("alice", "alice-bot");
    assertThat(admin.async().principals().get(alice.id()).get()).isEqualTo(alice);

    try (ShoalClient asAlice = clientOf(alice);
        ShoalClient asBot = clientOf(bot);
        ShoalClient botForAlice = asBot.withOptions(o -> o.onBehalfOf(alice.id()))) {
      assertThat(admin.keys().list()).filteredOn(k -> alice.id().equals(k.principal())).hasSize(1);
      String task = asAlice.tasks().submitAsync(queued()).id();

      // Not a delegate yet: nothing for alice, and only alice authorises alice's delegates.
      assertThatThrownBy(() -> botForAlice.tasks().cancel(task))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("not a delegate");
      assertThat(asBot.delegates().check(alice.id(), bot.id()).isDelegate()).isFalse();
      assertThatThrownBy(() -> asBot.delegates().grant(alice.id(), bot.id(), Set.of(DelegateScope.CANCEL)))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> botForAlice.delegates().grant(alice.id(), bot.id(), Set.of(DelegateScope.CANCEL)))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("cannot be delegated");

      Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
      Delegation granted =
          asAlice.delegates().grant(alice.id(), bot.id(), Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL), Optional.of(inAnHour));
      assertThat(granted.inForce()).isTrue();
      assertThat(granted.expiresAt()).isEqualTo(inAnHour.toEpochMilli());
      DelegateCheck check = admin.delegates().check(alice.id(), bot.id());
      assertThat(check.isDelegate()).isTrue();
      assertThat(check.scopes()).containsExactlyInAnyOrder(DelegateScope.PUBLISH, DelegateScope.CANCEL);
      assertThat(check.allows(DelegateScope.CONFIRM)).isFalse();

      // Acting for alice: what it publishes is alice's; as itself the bot may not touch it.
      String published = botForAlice.tasks().submitAsync(queued()).id();
      assertThatThrownBy(() -> asBot.tasks().cancel(published))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("belongs to " + alice.id());
      asAlice.tasks().cancel(published);
      botForAlice.tasks().cancel(task);
      assertThat(asAlice.tasks().status(task).state()).isEqualToIgnoringCase("cancelled");

      // The log records for whom (alice) and by which key (the bot's).
      String botKeyId = asBot.options().apiKey().split("_")[1];
      MeshEvent cancelled =
          admin.events().page(0, EventFilter.types("task.status_changed").withTask(task), 100).events().getLast();
      assertThat(cancelled.to()).isEqualTo("CANCELLED");
      assertThat(cancelled.principal()).isEqualTo(alice.id());
      assertThat(cancelled.actor()).isEqualTo(botKeyId);

      // Revocation is at once.
      String second = asAlice.tasks().submitAsync(queued()).id();
      asAlice.delegates().revoke(alice.id(), bot.id());
      assertThatThrownBy(() -> botForAlice.tasks().cancel(second))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("revoked");
      assertThatThrownBy(() -> asAlice.delegates().revoke(alice.id(), bot.id())).isInstanceOf(NotFoundException.class);
      assertThat(asAlice.delegates().list(alice.id())).singleElement().satisfies(d -> {
        assertThat(d.delegate()).isEqualTo(bot.id());
        assertThat(d.inForce()).isFalse();
        assertThat(d.revokedAt()).isNotNull();
      });
      assertThat(admin.delegates().check(alice.id(), bot.id())).isEqualTo(new DelegateCheck(alice.id(), bot.id(), false, Set.of(), null));

      // A grant with an expiry ends by itself.
      asAlice.delegates().grant(alice.id(), bot.id(), Set.of(DelegateScope.CANCEL), Optional.of(Instant.now().plusSeconds(2)));
      assertThat(admin.delegates().check(alice.id(), bot.id()).isDelegate()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> !admin.delegates().check(alice.id(), bot.id()).isDelegate());
      assertThatThrownBy(() -> botForAlice.tasks().cancel(second))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("expired");
    }
  }

  @Test
  void badRegistrationsAndGrantsAreRefusedByName() throws Exception {
    KeyPair fleetKeys = ed25519();
    PrincipalInfo fleet = admin.principals().register(PrincipalInfo.Kind.FLEET_OWNER, "gpu-fleet", fleetKeys);
    PrincipalInfo alice = admin.principals().register(PrincipalInfo.Kind.CLIENT, "alice", ed25519());
    assertThat(fleet.kind()).isEqualTo(PrincipalInfo.Kind.FLEET_OWNER);

    // The same key twice.
    assertThatThrownBy(() -> admin.principals().register(PrincipalInfo.Kind.CLIENT, "again", fleetKeys))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("already registered");
    // A signer that signs something else is caught before anything is sent.
    KeyPair other = ed25519();
    assertThatThrownBy(() -> admin.principals().register(
            PrincipalInfo.Kind.CLIENT, "eve", PrincipalKeys.rawPublicKey(ed25519().getPublic()), m -> PrincipalKeys.sign(other.getPrivate(), m)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not verify");
    // Registering is an admin's; a principal's key is not.
    try (ShoalClient asAlice = clientOf(alice);
        ShoalClient asFleet = clientOf(fleet)) {
      assertThatThrownBy(() -> asAlice.principals().register(PrincipalInfo.Kind.CLIENT, "mallory", ed25519()))
          .isInstanceOf(PermissionDeniedException.class);
      // A client grants only a client's scopes; a fleet owner only a fleet's.
      assertThatThrownBy(() -> asAlice.delegates().grant(alice.id(), fleet.id(), Set.of(DelegateScope.ASSIGN)))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("cannot grant 'assign'");
      assertThat(asFleet.delegates().grant(fleet.id(), alice.id(), Set.of(DelegateScope.REGISTER, DelegateScope.ASSIGN)).scopes())
          .containsExactlyInAnyOrder(DelegateScope.REGISTER, DelegateScope.ASSIGN);
      assertThatThrownBy(() -> asAlice.delegates().grant(
              alice.id(), fleet.id(), Set.of(DelegateScope.CANCEL), Optional.of(Instant.now().minusSeconds(1))))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("past");
      String unknown = Principals.principalIdOf(PrincipalKeys.rawPublicKey(ed25519().getPublic()));
      assertThatThrownBy(() -> asAlice.delegates().grant(alice.id(), unknown, Set.of(DelegateScope.CANCEL)))
          .isInstanceOf(NotFoundException.class);
      // A fleet owner publishes nothing, not even through a key bound to it.
      assertThatThrownBy(() -> asFleet.tasks().submitAsync(queued()))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("a fleet_owner cannot publish");
    }
    assertThatThrownBy(() -> admin.principals().get(Principals.principalIdOf(PrincipalKeys.rawPublicKey(ed25519().getPublic()))))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> admin.principals().get("alice")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> admin.keys().create("x", Set.of(ApiKey.Scope.READ), 1, "alice"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("principal");
  }
}
