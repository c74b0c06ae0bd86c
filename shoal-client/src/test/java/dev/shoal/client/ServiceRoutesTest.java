package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.client.internal.PrincipalKeys;
import dev.shoal.worker.Worker;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK on API.md's fleet, service and credit routes against a real orchestrator and a real
 * worker that names its fleet owner: the owner pairs with it by signing with its principal key
 * (JDK Ed25519) and registers it to alice's service; an admin grants alice credits; her paid task
 * runs on that worker, and the payment moves from her balance through the task's escrow to the
 * fleet owner, with the books balanced throughout.
 */
class ServiceRoutesTest {

  private LiveMesh mesh;
  private ShoalClient admin;
  private KeyPair fleetKeys;
  private PrincipalInfo alice;
  private PrincipalInfo fleet;
  private ShoalClient asAlice;
  private ShoalClient asFleet;

  @BeforeEach
  void start() throws Exception {
    mesh = LiveMesh.start();
    ShoalClient anonymous = mesh.client();
    NewApiKey key = anonymous.keys().create("ops", Set.of(ApiKey.Scope.ADMIN), 1000);
    admin = anonymous.withOptions(o -> o.apiKey(key.key()));
    fleetKeys = ed25519();
    alice = admin.principals().register(PrincipalInfo.Kind.CLIENT, "alice", ed25519());
    fleet = admin.principals().register(PrincipalInfo.Kind.FLEET_OWNER, "gpu-fleet", fleetKeys);
    asAlice = clientOf(alice);
    asFleet = clientOf(fleet);
  }

  @AfterEach
  void stop() {
    asAlice.close();
    asFleet.close();
    admin.close();
    mesh.close();
  }

  private static KeyPair ed25519() throws Exception {
    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  private ShoalClient clientOf(PrincipalInfo principal) {
    NewApiKey k = admin.keys().create(principal.name(), Set.of(ApiKey.Scope.SUBMIT, ApiKey.Scope.READ), 1000, principal.id());
    return admin.withOptions(o -> o.apiKey(k.key()));
  }

  /** A worker that runs {@code upper} and names {@code owner} (null: nobody) in its signed descriptor. */
  private Worker upperWorker(String name, String owner) {
    return mesh.addWorker(name, w -> w.owner(owner).command("upper", List.of("tr", "a-z", "A-Z")), admin);
  }

  private static ServiceSpec upper() {
    return ServiceSpec.builder("upper", TaskRequest.PROCESS_RUN).command("upper").payment(5, 50).build();
  }

  @Test
  void aPaidTaskRunsOnTheRegisteredWorkerAndPaysItsFleetOwner() {
    String worker = upperWorker("upper-1", fleet.id()).peerId();
    Pairing pairing = asFleet.fleet().pair(worker, fleetKeys);
    assertThat(pairing.worker()).isEqualTo(worker);
    assertThat(pairing.owner()).isEqualTo(fleet.id());
    assertThat(admin.fleet().pairings(fleet.id())).containsExactly(pairing);

    ServiceInfo svc = asAlice.services().create(upper());
    assertThat(svc.id()).startsWith("svc_");
    assertThat(svc.owner()).isEqualTo(alice.id());
    assertThat(svc.active()).isTrue();
    assertThat(svc.spec().maxTaskLifetimeMs()).as("the default lifetime").isEqualTo(3_600_000L);
    assertThat(asFleet.services().get(svc.id())).isEqualTo(svc);

    // Only the worker's side registers it: not the service's client.
    assertThatThrownBy(() -> asAlice.services().register(svc.id(), worker)).isInstanceOf(PermissionDeniedException.class);
    asFleet.services().register(svc.id(), worker);
    assertThat(admin.services().workers(svc.id())).singleElement().satisfies(r -> {
      assertThat(r.worker()).isEqualTo(worker);
      assertThat(r.by()).isEqualTo(fleet.id());
    });

    // Nothing to pay with yet: refused, nothing published, nothing held.
    TaskRequest paid = TaskRequest.forService(svc.id()).prompt("hi").payment(10L).build();
    assertThatThrownBy(() -> asAlice.tasks().run(paid))
        .isInstanceOf(InsufficientCreditsException.class)
        .hasMessageContaining("has 0");
    assertThatThrownBy(() -> asAlice.credits().grant(alice.id(), 100))
        .as("grants are an admin's").isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> admin.credits().grant(fleet.id(), 100)).as("a fleet owner earns, it does not pay")
        .isInstanceOf(InvalidArgumentException.class);
    CreditEntry grant = admin.credits().grant(alice.id(), 100);
    assertThat(grant.from()).isEqualTo(Credits.MINT);
    assertThat(grant.to()).isEqualTo(Credits.clientAccount(alice.id()));

    assertThatThrownBy(() -> asAlice.tasks().run(paid.withPayment(51)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("5..50");
    TaskResult r = asAlice.tasks().run(paid);
    assertThat(r.text()).isEqualTo("HI");
    assertThat(r.worker().peerId()).isEqualTo(worker);

    assertThat(asAlice.credits().balance(alice.id())).isEqualTo(new CreditBalance(alice.id(), 90, 0, 0));
    assertThat(asAlice.credits().balance(fleet.id()).earned()).isEqualTo(10);
    // The answer comes as the task ends; the entry that paid for it is durable with the same batch, a moment later.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> !admin.credits().entries(Credits.fleetAccount(fleet.id()), 0, 100).entries().isEmpty());
    assertThat(admin.credits().entries(Credits.clientAccount(alice.id()), 0, 100).entries())
        .extracting(CreditEntry::reason).containsExactly("grant", "hold");
    assertThat(admin.credits().entries(Credits.fleetAccount(fleet.id()), 0, 100).entries()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("pay");
      assertThat(e.from()).isEqualTo(Credits.escrowAccount(r.id()));
      assertThat(e.amount()).isEqualTo(10);
      assertThat(e.taskId()).isEqualTo(r.id());
    });
    assertThat(admin.credits().check()).isEqualTo(new CreditCheck(true, 0));

    // Retired: for good, and no longer published to.
    ServiceInfo retired = asAlice.services().retire(svc.id());
    assertThat(retired.active()).isFalse();
    assertThatThrownBy(() -> asAlice.tasks().run(paid)).isInstanceOf(NotFoundException.class);
    assertThat(admin.services().list()).isEmpty();
    assertThat(admin.services().list(alice.id(), true)).extracting(ServiceInfo::id).containsExactly(svc.id());
    assertThat(asAlice.credits().balance(alice.id()).balance()).as("the refused task held nothing").isEqualTo(90);
  }

  @Test
  void aQueuedTaskHoldsTheServicesMinimumUntilCancelledAndTheOwnerManagesTheService() throws Exception {
    ServiceInfo svc = asAlice.services().create(upper());
    admin.credits().grant(alice.id(), 20);

    // No worker is registered: the task waits, holding the minimum, until alice cancels it.
    String task = asAlice.tasks().submitAsync(TaskRequest.process("upper", "hi").withService(svc.id())).id();
    assertThat(asAlice.credits().balance(alice.id())).isEqualTo(new CreditBalance(alice.id(), 15, 5, 0));
    asAlice.tasks().cancel(task);
    assertThat(asAlice.credits().balance(alice.id())).isEqualTo(new CreditBalance(alice.id(), 20, 0, 0));
    CreditEntry.Page first = admin.credits().entries(null, 0, 2);
    assertThat(first.entries()).extracting(CreditEntry::reason).containsExactly("grant", "hold");
    assertThat(admin.async().credits().entries(null, first.nextAfter(), 10).get().entries()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("refund");
      assertThat(e.from()).isEqualTo(Credits.escrowAccount(task));
      assertThat(e.to()).isEqualTo(Credits.clientAccount(alice.id()));
    });
    assertThat(admin.async().credits().check().get().balanced()).isTrue();

    // Changes replace what they set; the operator is fixed; only the owner changes it.
    ServiceInfo changed = asAlice.services().update(svc.id(), ServiceSpec.changes().maxPayment(80L).build());
    assertThat(changed.spec().maxPayment()).isEqualTo(80);
    assertThat(changed.spec().command()).isEqualTo("upper");
    assertThatThrownBy(() -> asAlice.services().update(svc.id(), ServiceSpec.changes().operator("llm.chat@1").build()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("operator is fixed");
    assertThatThrownBy(() -> asFleet.services().update(svc.id(), ServiceSpec.changes().maxPayment(1L).build()))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> asAlice.services().create(upper())).as("the name is taken").isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> asFleet.services().create(
            ServiceSpec.builder("fleet-svc", TaskRequest.PROCESS_RUN).command("upper").build()))
        .as("a fleet owner has no services").isInstanceOf(PermissionDeniedException.class);
  }

  @Test
  void aPairingNeedsTheWorkersWordAndTheOwnersSignature() throws Exception {
    String loner = upperWorker("loner", null).peerId();
    assertThatThrownBy(() -> asFleet.fleet().pair(loner, fleetKeys))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("--owner " + fleet.id());

    String worker = upperWorker("upper-2", fleet.id()).peerId();
    // A signer holding another key is caught before anything is sent.
    KeyPair other = ed25519();
    byte[] fleetPublic = PrincipalKeys.rawPublicKey(fleetKeys.getPublic());
    assertThatThrownBy(() -> asFleet.fleet().pair(worker, fleetPublic, m -> PrincipalKeys.sign(other.getPrivate(), m)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not verify");
    // A client pairs no worker, even one that named its key's signature right.
    assertThatThrownBy(() -> asAlice.fleet().pair(worker, fleetKeys)).isInstanceOf(PermissionDeniedException.class);

    // The key may live elsewhere: only the raw public key and a signer are handed over.
    Pairing p = asFleet.async().fleet().pair(worker, fleetPublic, m -> PrincipalKeys.sign(fleetKeys.getPrivate(), m)).get();
    assertThat(p.owner()).isEqualTo(fleet.id());
    assertThat(admin.fleet().pairings()).containsExactly(p);
    assertThatThrownBy(() -> asAlice.fleet().unpair(worker)).isInstanceOf(PermissionDeniedException.class);
    asFleet.fleet().unpair(worker);
    assertThat(admin.fleet().pairings(fleet.id())).isEmpty();
    assertThatThrownBy(() -> asFleet.fleet().unpair(worker)).isInstanceOf(NotFoundException.class);
    // Unpaired, it cannot be registered by anyone but itself.
    ServiceInfo svc = asAlice.services().create(upper());
    assertThatThrownBy(() -> asFleet.services().register(svc.id(), worker))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("not paired");
  }
}
