package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.shoal.worker.Worker;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tasks().assign} against a real orchestrator and a real worker: a fleet owner's delegate
 * with {@code assign} dispatches a task of alice's externally scheduled service to the fleet's
 * one-slot worker; a full worker is {@link MeshOverloadedException}, a task that has its attempt
 * is {@link ConflictException}, a key without the grant is {@link PermissionDeniedException}.
 */
class AssignRouteTest {

  private LiveMesh mesh;
  private ShoalClient admin;

  @BeforeEach
  void start() {
    mesh = LiveMesh.start();
    ShoalClient anonymous = mesh.client();
    NewApiKey key = anonymous.keys().create("ops", Set.of(ApiKey.Scope.ADMIN), 1000);
    admin = anonymous.withOptions(o -> o.apiKey(key.key()));
  }

  @AfterEach
  void stop() {
    admin.close();
    mesh.close();
  }

  /** A registered principal, its key pair, and the id of an API key acting as it. */
  private record Party(PrincipalInfo info, KeyPair keys, String apiKey, String apiKeyId) {}

  private Party party(PrincipalInfo.Kind kind, String name) throws Exception {
    KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    PrincipalInfo p = admin.principals().register(kind, name, keys);
    NewApiKey k = admin.keys().create(name, Set.of(ApiKey.Scope.SUBMIT, ApiKey.Scope.READ), 1000, p.id());
    return new Party(p, keys, k.key(), k.id());
  }

  @Test
  void aFleetDelegateAssignsATaskToARegisteredWorkerWithAFreeSlot() throws Exception {
    Party alice = party(PrincipalInfo.Kind.CLIENT, "alice");
    Party fleet = party(PrincipalInfo.Kind.FLEET_OWNER, "fleet");
    Party bot = party(PrincipalInfo.Kind.CLIENT, "scheduler-bot");
    try (ShoalClient asAlice = admin.withOptions(o -> o.apiKey(alice.apiKey()));
        ShoalClient asFleet = admin.withOptions(o -> o.apiKey(fleet.apiKey()));
        ShoalClient botForFleet = admin.withOptions(o -> o.apiKey(bot.apiKey()).onBehalfOf(fleet.info().id()))) {
      String service = asAlice.services()
          .create(ServiceSpec.builder("hold", "process.run@1").command("hold").externallyScheduled(true).build()).id();
      // One slot, held by each attempt until it is cancelled.
      Worker worker = mesh.addWorker("w1", c -> c.maxConcurrentTasks(1).owner(fleet.info().id()).service(service)
          .command("hold", List.of("sleep", "60")), admin);
      asFleet.fleet().pair(worker.peerId(), fleet.keys());
      String first = asAlice.tasks().submitAsync(TaskRequest.forService(service).build()).id();
      String second = asAlice.tasks().submitAsync(TaskRequest.forService(service).build()).id();

      assertThatThrownBy(() -> botForFleet.tasks().assign(first, worker.peerId()))
          .as("not a delegate yet").isInstanceOf(PermissionDeniedException.class);
      asFleet.delegates().grant(fleet.info().id(), bot.info().id(), Set.of(DelegateScope.ASSIGN), Optional.empty());

      botForFleet.tasks().assign(first, worker.peerId());
      assertThat(asAlice.tasks().status(first).state()).isEqualTo("running");
      assertThat(botForFleet.async().tasks().assign(second, worker.peerId()))
          .as("its one slot is taken").failsWithin(Duration.ofSeconds(20))
          .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(MeshOverloadedException.class);
      assertThatThrownBy(() -> botForFleet.tasks().assign(first, worker.peerId()))
          .as("it has the attempt it needs").isInstanceOf(ConflictException.class);
      assertThatThrownBy(() -> asAlice.tasks().assign(second, worker.peerId()))
          .as("the client is not the fleet side").isInstanceOf(PermissionDeniedException.class);

      // The slot comes back once the worker has stopped the first attempt.
      asAlice.tasks().cancel(first);
      await().atMost(Duration.ofSeconds(20)).ignoreException(MeshOverloadedException.class)
          .untilAsserted(() -> botForFleet.tasks().assign(second, worker.peerId()));
      assertThat(admin.events().page(0, EventFilter.types("task.assigned").withService(service), 100).events())
          .extracting(MeshEvent::taskId, MeshEvent::worker, MeshEvent::actor)
          .containsExactly(tuple(first, worker.peerId(), bot.apiKeyId()), tuple(second, worker.peerId(), bot.apiKeyId()));
      asAlice.tasks().cancel(second);
    }
  }
}
