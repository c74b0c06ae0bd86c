package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ApiKey;
import dev.shoal.client.CreditBalance;
import dev.shoal.client.CreditCheck;
import dev.shoal.client.CreditEntry;
import dev.shoal.client.DelegateCheck;
import dev.shoal.client.DelegateScope;
import dev.shoal.client.Delegation;
import dev.shoal.client.Pairing;
import dev.shoal.client.PrincipalInfo;
import dev.shoal.client.ProtocolException;
import dev.shoal.client.ServiceInfo;
import dev.shoal.client.ServiceRegistration;
import dev.shoal.client.ServiceSpec;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskResult;
import dev.shoal.client.WorkerInfo;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** API.md's own examples, decoded and encoded: the SDK's reading of the contract, pinned. */
class DecodingTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return MAPPER.readTree(s.replace('\'', '"'));
  }

  @Test
  void theWorkerOfApiMd() throws Exception {
    JsonNode body =
        json(
            "{'workers': [{'peer_id': 'wabc', 'name': 'gpu-box-1', 'owner': 'ml-team', 'online': true,"
                + " 'load': {'current': 1, 'max': 4}, 'free_slots': 3, 'draining': false, 'cpu_load': 0.25,"
                + " 'hardware': {'arch': 'amd64', 'os': 'Linux', 'cores': 16, 'memory_bytes': 68719476736,"
                + "   'accelerators': [{'kind': 'gpu', 'model': 'RTX 4090', 'memory_bytes': 25769803776}]},"
                + " 'operators': ['llm.chat@1'], 'models': ['llama3.2'], 'services': [],"
                + " 'connected_at': 0, 'last_seen': 0, 'protocol_version': '1.1.0',"
                + " 'reputation': {'score': 0.1, 'trusted': false, 'quarantined': false}}]}");

    WorkerInfo w = Decoding.workers(body).getFirst();

    assertThat(w.peerId()).isEqualTo("wabc");
    assertThat(w.owner()).isEqualTo("ml-team");
    assertThat(w.load()).isEqualTo(new WorkerInfo.Load(1, 4));
    assertThat(w.hardware().accelerators()).containsExactly(new WorkerInfo.Accelerator("gpu", "RTX 4090", 25769803776L));
    assertThat(w.hardware().memoryBytes()).isEqualTo(68719476736L);
    assertThat(w.models()).containsExactly("llama3.2");
    assertThat(w.reputation().score()).isEqualTo(0.1);
    assertThat(w.available()).isTrue();
  }

  @Test
  void theResultOfApiMd() throws Exception {
    JsonNode body =
        json(
            "{'id': 'j3k.t', 'state': 'succeeded', 'operator': 'llm.chat@1',"
                + " 'worker': {'peer_id': 'wabc', 'name': 'gpu-box-1'}, 'attempt': 1, 'duration_ms': 812,"
                + " 'text': 'Hello!', 'finish_reason': 'stop', 'model': 'llama3.2',"
                + " 'usage': {'prompt_tokens': 9, 'completion_tokens': 3, 'total_tokens': 12}, 'exit_code': 0, 'outputs': [],"
                + " 'artifacts': [{'name': 'report/policy.md', 'size': 1234, 'media_type': 'text/markdown',"
                + "   'sha256': 'ab', 'url': '/v1/tasks/j3k.t/artifacts/report/policy.md'}]}");

    TaskResult r = Decoding.taskResult(body);

    assertThat(r)
        .isEqualTo(
            new TaskResult(
                "j3k.t", "succeeded", "llm.chat@1", new TaskResult.WorkerRef("wabc", "gpu-box-1"), 1, Duration.ofMillis(812),
                "Hello!", "stop", "llama3.2", new TaskResult.Usage(9, 3, 12), 0, List.of(),
                List.of(new TaskResult.Artifact("report/policy.md", 1234, "text/markdown", "ab", "/v1/tasks/j3k.t/artifacts/report/policy.md")),
                null));
    assertThat(r.succeeded()).isTrue();
  }

  @Test
  void aFailedResultCarriesItsErrorAndFieldsThatDoNotApplyAreNull() throws Exception {
    TaskResult r =
        Decoding.taskResult(
            json("{'id': 'j.t', 'state': 'failed', 'operator': 'process.run@1', 'error': {'code': 'task_failed', 'message': 'exit 3'}}"));

    assertThat(r.succeeded()).isFalse();
    assertThat(r.error()).isEqualTo(new TaskResult.TaskError("task_failed", "exit 3"));
    assertThat(r.worker()).isNull();
    assertThat(r.usage()).isNull();
    assertThat(r.exitCode()).isNull();
    assertThat(r.text()).isNull();
  }

  @Test
  void keysAsTheRoutesAnswer() throws Exception {
    var created =
        Decoding.newKey(
            json("{'id': 'k1', 'key': 'shk_k1_s3cret', 'name': 'ci', 'scopes': ['submit', 'read'], 'rate_limit': 20,"
                + " 'principal': 'palice', 'created_at': 5}"));
    var listed =
        Decoding.keys(
            json("{'keys': [{'id': 'k1', 'name': 'ci', 'scopes': ['admin'], 'rate_limit': 20, 'principal': null, 'created_at': 5,"
                + " 'last_used_at': null, 'revoked_at': 9}]}"));

    assertThat(created.key()).isEqualTo("shk_k1_s3cret");
    assertThat(created.principal()).isEqualTo("palice");
    assertThat(listed.getFirst().principal()).as("an operator's key").isNull();
    assertThat(created.scopes()).containsExactlyInAnyOrder(ApiKey.Scope.SUBMIT, ApiKey.Scope.READ);
    assertThat(listed).singleElement().satisfies(k -> {
      assertThat(k.lastUsedAt()).isNull();
      assertThat(k.revoked()).isTrue();
    });
    assertThat(Decoding.revocation(json("{'id': 'k1', 'revoked_at': 9}")).revokedAt()).isEqualTo(9);
    assertThatThrownBy(() -> Decoding.keys(json("{'keys': [{'id': 'k', 'scopes': ['root']}]}")))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void principalsAndDelegatesAsApiMdSpellsThem() throws Exception {
    PrincipalInfo alice =
        Decoding.principal(
            json("{'id': 'palice', 'kind': 'client', 'name': 'alice', 'public_key': 'AAECAw==', 'created_at': 7}"));
    assertThat(alice).isEqualTo(new PrincipalInfo("palice", PrincipalInfo.Kind.CLIENT, "alice", "AAECAw==", 7));
    assertThat(alice.rawPublicKey()).containsExactly(0, 1, 2, 3);
    assertThat(Decoding.principals(json("{'principals': [{'id': 'pf', 'kind': 'fleet_owner', 'public_key': 'AA=='}]}")))
        .extracting(PrincipalInfo::kind)
        .containsExactly(PrincipalInfo.Kind.FLEET_OWNER);

    Delegation d =
        Decoding.delegations(
                json("{'delegates': [{'principal': 'palice', 'delegate': 'pbot', 'scopes': ['publish', 'cancel'],"
                    + " 'expires_at': null, 'created_at': 3, 'revoked_at': 9, 'in_force': false}]}"))
            .getFirst();
    assertThat(d)
        .isEqualTo(new Delegation("palice", "pbot", Set.of(DelegateScope.PUBLISH, DelegateScope.CANCEL), null, 3, 9L, false));
    DelegateCheck check =
        Decoding.delegateCheck(
            json("{'principal': 'palice', 'delegate': 'pbot', 'is_delegate': true, 'scopes': ['cancel'], 'expires_at': 99}"));
    assertThat(check.allows(DelegateScope.CANCEL)).isTrue();
    assertThat(check.allows(DelegateScope.PUBLISH)).isFalse();
    assertThat(check.expiresAt()).isEqualTo(99);

    assertThatThrownBy(() -> Decoding.principal(json("{'id': 'p', 'kind': 'robot', 'public_key': 'AA=='}")))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Decoding.delegateCheck(json("{'principal': 'p', 'delegate': 'q', 'scopes': []}")))
        .isInstanceOf(ProtocolException.class);

    byte[] key = new byte[32];
    assertThat(new Encoding(MAPPER).principal("client", "alice", key, 1_700_000_000_000L, new byte[64]))
        .isEqualTo(
            json("{'kind': 'client', 'name': 'alice', 'public_key': '" + java.util.Base64.getEncoder().encodeToString(key)
                + "', 'signed_at': 1700000000000, 'signature': '" + java.util.Base64.getEncoder().encodeToString(new byte[64]) + "'}"));
    assertThat(MAPPER.readTree(new Encoding(MAPPER)
            .grant("pbot", Set.of(DelegateScope.CANCEL, DelegateScope.PUBLISH), java.time.Instant.ofEpochMilli(5)).toString()))
        .isEqualTo(json("{'delegate': 'pbot', 'scopes': ['publish', 'cancel'], 'expires_at': 5}"));
    assertThat(new Encoding(MAPPER).grant("pbot", Set.of(DelegateScope.CONFIRM), null).has("expires_at")).isFalse();
  }

  @Test
  void pairingsServicesAndCreditsAsTheRoutesAnswer() throws Exception {
    assertThat(Decoding.pairings(json("{'pairings': [{'worker': 'wA', 'owner': 'pF', 'worker_signed_at': 1,"
            + " 'owner_signed_at': 2, 'created_at': 3}]}")))
        .containsExactly(new Pairing("wA", "pF", 1, 2, 3));
    assertThatThrownBy(() -> Decoding.pairing(json("{'worker': 'wA'}"))).isInstanceOf(ProtocolException.class);

    ServiceInfo upper = Decoding.service(json(
        "{'id': 'svc_1', 'owner': 'pA', 'name': 'upper', 'operator': 'process.run@1',"
            + " 'config': {'command': 'upper', 'image': 'alpine:3'}, 'hardware': {'min_cores': 2, 'min_memory_bytes': 8, 'accelerator': 'gpu'},"
            + " 'acceptance': 'quorum(2 of 3)', 'min_payment': 5, 'max_payment': 50, 'max_task_lifetime_ms': 60000,"
            + " 'externally_scheduled': true, 'state': 'active', 'created_at': 7, 'updated_at': 9, 'retired_now': false}"));
    assertThat(upper).isEqualTo(new ServiceInfo("svc_1", "pA",
        new ServiceSpec("upper", "process.run@1", null, "upper", "alpine:3", 2, 8L, "gpu", "quorum(2 of 3)", 5L, 50L, 60_000L, true),
        "active", 7, 9));
    assertThat(upper.active()).isTrue();
    ServiceInfo chat = Decoding.services(json("{'services': [{'id': 'svc_2', 'name': 'chat', 'operator': 'llm.chat@1',"
        + " 'config': {'model': 'llama3.2'}, 'hardware': {'min_cores': 0, 'min_memory_bytes': 0}, 'acceptance': 'first_valid',"
        + " 'min_payment': 0, 'max_payment': 0, 'max_task_lifetime_ms': 3600000, 'externally_scheduled': false,"
        + " 'state': 'retired'}]}")).getFirst();
    assertThat(chat.spec().model()).isEqualTo("llama3.2");
    assertThat(chat.spec().command()).isNull();
    assertThat(chat.spec().accelerator()).isNull();
    assertThat(chat.active()).isFalse();
    assertThatThrownBy(() -> Decoding.service(json("{'id': 'svc_3', 'name': 'x', 'operator': 'shoal.noop@1'}")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("state");
    assertThat(Decoding.registrations("svc_1", json("{'workers': [{'worker': 'wA', 'registered_at': 4, 'by': 'pF'}]}")))
        .containsExactly(new ServiceRegistration("svc_1", "wA", 4, "pF"));

    assertThat(Decoding.creditBalance(json("{'principal': 'pA', 'balance': 90, 'held': 0, 'earned': 0}")))
        .isEqualTo(new CreditBalance("pA", 90, 0, 0));
    CreditEntry.Page page = Decoding.creditPage(json(
        "{'entries': [{'seq': 1, 'at': 5, 'from': 'mint', 'to': 'client:pA', 'amount': 100, 'reason': 'grant'},"
            + " {'seq': 2, 'at': 6, 'from': 'client:pA', 'to': 'escrow:j1.t', 'amount': 10, 'reason': 'hold', 'task_id': 'j1.t'}],"
            + " 'next_after': 2}"));
    assertThat(page.entries()).containsExactly(
        new CreditEntry(1, 5, "mint", "client:pA", 100, "grant", null),
        new CreditEntry(2, 6, "client:pA", "escrow:j1.t", 10, "hold", "j1.t"));
    assertThat(page.nextAfter()).isEqualTo(2);
    assertThat(Decoding.creditCheck(json("{'balanced': false, 'total': -3}"))).isEqualTo(new CreditCheck(false, -3));
    assertThatThrownBy(() -> Decoding.creditPage(json("{'entries': []}"))).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Decoding.creditBalance(json("{'principal': 'pA'}"))).isInstanceOf(ProtocolException.class);
  }

  @Test
  void servicesPairingsGrantsAndServiceTasksAreSentAsTheRoutesTakeThem() throws Exception {
    Encoding encoding = new Encoding(MAPPER);
    ServiceSpec spec = ServiceSpec.builder("upper", TaskRequest.PROCESS_RUN)
        .command("upper").minCores(2).payment(5, 50).maxTaskLifetimeMs(60_000L).externallyScheduled(true).build();
    assertThat(MAPPER.readTree(encoding.service(spec).toString())).isEqualTo(json(
        "{'name': 'upper', 'operator': 'process.run@1', 'config': {'command': 'upper'}, 'hardware': {'min_cores': 2},"
            + " 'min_payment': 5, 'max_payment': 50, 'max_task_lifetime_ms': 60000, 'externally_scheduled': true}"));
    // A change sends what it sets, and config or hardware whole.
    assertThat(MAPPER.readTree(encoding.service(ServiceSpec.changes().maxPayment(80L).build()).toString()))
        .isEqualTo(json("{'max_payment': 80}"));
    assertThat(MAPPER.readTree(encoding.service(ServiceSpec.changes().image("alpine:3").accelerator("gpu").build()).toString()))
        .isEqualTo(json("{'config': {'image': 'alpine:3'}, 'hardware': {'accelerator': 'gpu'}}"));

    assertThat(MAPPER.readTree(encoding.pairing("wA", 1_700_000_000_000L, new byte[64]).toString())).isEqualTo(json(
        "{'worker': 'wA', 'signed_at': 1700000000000, 'signature': '" + java.util.Base64.getEncoder().encodeToString(new byte[64]) + "'}"));
    assertThat(MAPPER.readTree(encoding.creditGrant("pA", 100).toString())).isEqualTo(json("{'principal': 'pA', 'amount': 100}"));

    // A service's task may leave its operator to the service.
    assertThat(MAPPER.readTree(encoding.task(TaskRequest.forService("svc_1").prompt("hi").payment(10L).build()).toString()))
        .isEqualTo(json("{'prompt': 'hi', 'service': 'svc_1', 'payment': 10}"));
    assertThat(MAPPER.readTree(encoding.task(TaskRequest.process("upper", "hi").withService("svc_1").withPayment(10)).toString()))
        .isEqualTo(json("{'operator': 'process.run@1', 'command': 'upper', 'prompt': 'hi', 'service': 'svc_1', 'payment': 10}"));
  }

  @Test
  void identifyingFieldsMustBeThere() {
    assertThatThrownBy(() -> Decoding.taskResult(json("{'state': 'succeeded'}"))).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Decoding.workers(json("{'workers': [{'name': 'x'}]}"))).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Decoding.workers(json("{}"))).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Decoding.taskResult(json("{'id': 'j.t', 'state': 's', 'outputs': [{'dtype': 'float32', 'shape': [4], 'data': 'AAAA'}]}")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("tensor");
    assertThatThrownBy(() -> Decoding.task(json("{'id': 'j.t', 'state': 'succeeded', 'outputs': [{'dtype': 'int32', 'shape': [4], 'blob': 'sha256:"
            + "ab".repeat(32) + "'}]}")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("a stored tensor has no shape or offset");
  }

  @Test
  void aTaskRequestIsSentAsApiMdSpellsIt() throws Exception {
    TaskRequest chat =
        TaskRequest.builder(TaskRequest.LLM_CHAT)
            .worker("wabc")
            .model("llama3.2")
            .messages(List.of(TaskRequest.Message.user("hi")))
            .params(Map.of("max_tokens", 64))
            .timeoutMs(300_000L)
            .maxAttempts(2)
            .acceptance("first_valid")
            .webhook(new TaskRequest.Webhook(URI.create("https://hooks.example.com/shoal"), "at least 16 characters"))
            .build();
    TaskRequest tensor =
        TaskRequest.tensor("tensor.reduce_sum@1", Tensor.int32(Shape.of(2), new int[] {1, 2})).toBuilder()
            .attributes(Map.of("axis", 0))
            .build();

    // Re-read, so numbers compare by value, not by node type.
    assertThat(MAPPER.readTree(new Encoding(MAPPER).task(chat).toString()))
        .isEqualTo(
            json(
                "{'operator': 'llm.chat@1', 'worker': 'wabc', 'model': 'llama3.2',"
                    + " 'messages': [{'role': 'user', 'content': 'hi'}], 'params': {'max_tokens': 64},"
                    + " 'timeout_ms': 300000, 'max_attempts': 2, 'acceptance': 'first_valid',"
                    + " 'webhook': {'url': 'https://hooks.example.com/shoal', 'secret': 'at least 16 characters'}}"));
    JsonNode t = MAPPER.readTree(new Encoding(MAPPER).task(tensor).toString());
    assertThat(t.get("attributes")).isEqualTo(json("{'axis': 0}"));
    assertThat(t.get("inputs").get(0).get("dtype").asText()).isEqualTo("int32");
    assertThat(new Encoding(MAPPER).newKey("ci", Set.of(ApiKey.Scope.READ, ApiKey.Scope.SUBMIT), 20, null))
        .isEqualTo(json("{'name': 'ci', 'scopes': ['read', 'submit'], 'rate_limit': 20}"));
    assertThat(new Encoding(MAPPER).newKey("alice", Set.of(ApiKey.Scope.SUBMIT), 5, "p" + "a".repeat(32)).get("principal").asText())
        .isEqualTo("p" + "a".repeat(32));
  }

  @Test
  void requestsAreCheckedWhenBuilt() {
    assertThatThrownBy(() -> TaskRequest.complete("m", "p").withTimeoutMs(TaskRequest.MAX_TIMEOUT_MS + 1))
        .hasMessageContaining("timeoutMs");
    assertThatThrownBy(() -> TaskRequest.complete("m", "p").withMaxAttempts(0)).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> TaskRequest.complete("m", "p").withWebhook(URI.create("ftp://x/y"), null)).hasMessageContaining("http");
    assertThatThrownBy(() -> TaskRequest.complete("m", "p").withWebhook(URI.create("https://x/y"), "short"))
        .hasMessageContaining("16..256");
    assertThatThrownBy(() -> TaskRequest.builder(TaskRequest.LLM_CHAT).params(Map.of("x", new Object())).build())
        .hasMessageContaining("params.x");
    assertThatThrownBy(() -> TaskRequest.builder(null).prompt("hi").build()).hasMessageContaining("operator is required");
    assertThatThrownBy(() -> TaskRequest.process("upper", "hi").withPayment(10)).hasMessageContaining("published to a service");
    assertThatThrownBy(() -> ServiceSpec.changes().payment(50, 5).build()).hasMessageContaining("above maxPayment");
    assertThatThrownBy(() -> ServiceSpec.changes().maxTaskLifetimeMs(ServiceSpec.MAX_TASK_LIFETIME_MS + 1).build())
        .hasMessageContaining("maxTaskLifetimeMs");
  }
}
