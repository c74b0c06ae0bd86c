package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.ApiKey;
import dev.shoal.client.BlobCollection;
import dev.shoal.client.BlobInfo;
import dev.shoal.client.CreditBalance;
import dev.shoal.client.CreditCheck;
import dev.shoal.client.CreditEntry;
import dev.shoal.client.DataStats;
import dev.shoal.client.DelegateCheck;
import dev.shoal.client.DelegateScope;
import dev.shoal.client.Delegation;
import dev.shoal.client.JobInfo;
import dev.shoal.client.JobResult;
import dev.shoal.client.KeyRevocation;
import dev.shoal.client.LedgerEntryInfo;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.NewApiKey;
import dev.shoal.client.Pairing;
import dev.shoal.client.PrincipalInfo;
import dev.shoal.client.ProtocolException;
import dev.shoal.client.Reputation;
import dev.shoal.client.ServiceInfo;
import dev.shoal.client.ServiceRegistration;
import dev.shoal.client.ServiceSpec;
import dev.shoal.client.StoredTensor;
import dev.shoal.client.TaskHandle;
import dev.shoal.client.TaskInfo;
import dev.shoal.client.TaskOutput;
import dev.shoal.client.TaskResult;
import dev.shoal.client.WorkerInfo;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API's JSON answers as the SDK's records. Identifying fields (ids, states) must be there
 * with the right type, else {@link ProtocolException}; optional ones default (0, "", null).
 */
public final class Decoding {

  private Decoding() {}

  // ---------------------------------------------------------------- workers and reputation

  public static List<WorkerInfo> workers(JsonNode json) {
    List<WorkerInfo> out = new ArrayList<>();
    for (JsonNode w : array(json, "workers")) {
      out.add(worker(w));
    }
    return List.copyOf(out);
  }

  /** One worker in API.md's shape. */
  public static WorkerInfo worker(JsonNode w) {
    JsonNode load = w.path("load");
    JsonNode hw = w.path("hardware");
    List<WorkerInfo.Accelerator> accelerators = new ArrayList<>();
    for (JsonNode a : hw.path("accelerators")) {
      accelerators.add(new WorkerInfo.Accelerator(a.path("kind").asText(), a.path("model").asText(), a.path("memory_bytes").asLong()));
    }
    return new WorkerInfo(
        text(w, "peer_id", "a worker"),
        w.path("name").asText(""),
        w.path("owner").asText(""),
        w.path("online").asBoolean(true),
        new WorkerInfo.Load(load.path("current").asInt(), load.path("max").asInt()),
        w.path("free_slots").asInt(),
        w.path("draining").asBoolean(),
        w.path("cpu_load").asDouble(),
        new WorkerInfo.Hardware(
            hw.path("arch").asText(""), hw.path("os").asText(""), hw.path("cores").asInt(), hw.path("memory_bytes").asLong(),
            accelerators),
        strings(w.path("operators")),
        strings(w.path("models")),
        strings(w.path("services")),
        w.path("connected_at").asLong(),
        w.path("last_seen").asLong(),
        w.path("protocol_version").asText(""),
        reputation(w.path("reputation")));
  }

  public static Reputation reputation(JsonNode r) {
    Map<String, Integer> counts = new TreeMap<>();
    r.path("counts").properties().forEach(e -> counts.put(e.getKey(), e.getValue().asInt()));
    JsonNode q = r.path("quarantine");
    return new Reputation(
        r.path("score").asDouble(), r.path("trusted").asBoolean(), r.path("quarantined").asBoolean(),
        q.path("reason").asText(""), q.path("since").asLong(0), q.path("until").asLong(0), counts);
  }

  // ---------------------------------------------------------------- ledger

  public static LedgerEntryInfo entry(JsonNode e) {
    if (!e.path("seq").isIntegralNumber()) {
      throw malformed("a ledger entry has no seq");
    }
    return new LedgerEntryInfo(
        e.path("seq").asLong(), e.path("prev_hash").asText(), e.path("hash").asText(), e.path("at").asLong(),
        e.path("author").asText(), e.path("subject").asText(), e.path("kind").asText(), e.path("score").asDouble(),
        e.path("comment").asText(), e.path("signature").asText());
  }

  public static LedgerEntryInfo.Page ledgerPage(JsonNode json) {
    List<LedgerEntryInfo> entries = new ArrayList<>();
    array(json, "entries").forEach(e -> entries.add(entry(e)));
    JsonNode next = json.path("next_after");
    return new LedgerEntryInfo.Page(entries, next.isIntegralNumber() ? next.asLong() : null);
  }

  public static LedgerEntryInfo.ChainCheck chainCheck(JsonNode j) {
    if (!j.path("ok").isBoolean()) {
      throw malformed("a ledger check has no ok");
    }
    return new LedgerEntryInfo.ChainCheck(
        j.path("ok").asBoolean(), j.path("entries").asLong(), j.path("head_hash").asText(),
        j.path("first_bad_seq").isIntegralNumber() ? j.path("first_bad_seq").asLong() : null, optionalText(j.path("reason")));
  }

  // ---------------------------------------------------------------- events

  /** One event of the log; {@code seq} and {@code type} identify it, the rest may be left out. */
  public static MeshEvent meshEvent(JsonNode e) {
    if (!e.path("seq").isIntegralNumber() || e.path("seq").asLong() < 1) {
      throw malformed("an event has no seq");
    }
    return new MeshEvent(
        e.path("seq").asLong(), e.path("at").asLong(), text(e, "type", "an event"), e.path("job_id").asText(""),
        e.path("task_id").asText(""), e.path("attempt").asInt(), e.path("worker").asText(""),
        e.path("service").asText(""), e.path("principal").asText(""), e.path("actor").asText(""),
        e.path("from").asText(""), e.path("to").asText(""), e.path("detail").asText(""));
  }

  public static MeshEvent.Page eventPage(JsonNode json) {
    List<MeshEvent> events = new ArrayList<>();
    array(json, "events").forEach(e -> events.add(meshEvent(e)));
    if (!json.path("next_after").isIntegralNumber() || !json.path("head").isIntegralNumber()) {
      throw malformed("an event page has no next_after or head");
    }
    return new MeshEvent.Page(events, json.path("next_after").asLong(), json.path("head").asLong());
  }

  // ---------------------------------------------------------------- jobs

  public static JobInfo job(JsonNode j) {
    JsonNode t = j.path("tasks");
    return new JobInfo(
        text(j, "id", "a job"), j.path("kind").asText(), text(j, "state", "a job"), j.path("created_at").asLong(),
        j.path("finished_at").asLong(0),
        new JobInfo.Progress(
            t.path("total").asInt(), t.path("waiting").asInt(), t.path("ready").asInt(), t.path("running").asInt(), t.path("validating").asInt(),
            t.path("succeeded").asInt(), t.path("failed").asInt(), t.path("cancelled").asInt(), t.path("expired").asInt(),
            t.path("awaiting_confirmation").asInt()),
        j.path("attempts").asInt(), j.path("retries").asInt(), optionalText(j.path("error")));
  }

  public static List<JobInfo> jobs(JsonNode json) {
    List<JobInfo> out = new ArrayList<>();
    array(json, "jobs").forEach(j -> out.add(job(j)));
    return List.copyOf(out);
  }

  /** {@code {"job_id", "state", "partial", "tasks": [{"id", "state", "outputs", "error"}]}}. */
  public static JobResult jobResult(JsonNode j) {
    List<JobResult.Task> tasks = new ArrayList<>();
    for (JsonNode t : array(j, "tasks")) {
      tasks.add(
          new JobResult.Task(
              text(t, "id", "a job's task"), text(t, "state", "a job's task"), taskOutputs(t.path("outputs")),
              errorText(t.path("error"))));
    }
    return new JobResult(text(j, "job_id", "a job result"), text(j, "state", "a job result"), j.path("partial").asBoolean(false), tasks);
  }

  /**
   * Outputs as every view of a task shows them (job results, task views, task results, kept
   * results): each a tensor, or a reference to the data service for one over 1 MiB.
   */
  public static List<TaskOutput> taskOutputs(JsonNode array) {
    List<TaskOutput> out = new ArrayList<>();
    array.forEach(o -> out.add(taskOutput(o)));
    return List.copyOf(out);
  }

  /** An output: a tensor, or {@code {"dtype", "shape", "blob", "offset"}} for one kept in the data service. */
  public static TaskOutput taskOutput(JsonNode o) {
    if (o.isObject() && o.has("blob")) {
      return storedTensor(o);
    }
    return new TaskOutput.Inline(TensorCodec.fromJson(o));
  }

  /** {@code {"dtype", "shape", "blob", "offset"}}. */
  public static StoredTensor storedTensor(JsonNode o) {
    String blob = text(o, "blob", "a stored tensor");
    DType dtype;
    try {
      dtype = DType.fromWireName(o.path("dtype").asText());
    } catch (IllegalArgumentException e) {
      throw malformed("a stored tensor has dtype " + o.path("dtype"));
    }
    JsonNode dims = o.path("shape");
    if (!dims.isArray() || !o.path("offset").isIntegralNumber()) {
      throw malformed("a stored tensor has no shape or offset");
    }
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!dims.get(i).canConvertToInt() || dims.get(i).asInt() < 0) {
        throw malformed("a stored tensor has shape " + dims);
      }
      shape[i] = dims.get(i).asInt();
    }
    try {
      return new StoredTensor(blob, dtype, Shape.of(shape), o.path("offset").asLong());
    } catch (IllegalArgumentException e) {
      throw malformed("a stored tensor: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- data service

  /** {@code {"sha256", "size", "digest"}} (and {@code uri}, which the SDK does not need). */
  public static BlobInfo blob(JsonNode b) {
    if (!b.path("size").isIntegralNumber()) {
      throw malformed("a blob has no size");
    }
    return new BlobInfo(text(b, "sha256", "a blob"), b.path("size").asLong(), text(b, "digest", "a blob"));
  }

  public static DataStats dataStats(JsonNode d) {
    return new DataStats(
        d.path("bytes_served").asLong(), d.path("bytes_uploaded").asLong(), d.path("validation_bytes_read").asLong());
  }

  public static BlobCollection blobCollection(JsonNode c) {
    if (!c.path("deleted").isIntegralNumber()) {
      throw malformed("a collection has no deleted count");
    }
    return new BlobCollection(c.path("deleted").asLong(), c.path("bytes_freed").asLong(), c.path("kept").asLong());
  }

  // ---------------------------------------------------------------- tasks

  public static TaskInfo task(JsonNode t) {
    List<TaskInfo.Attempt> attempts = new ArrayList<>();
    for (JsonNode a : t.path("attempts")) {
      attempts.add(
          new TaskInfo.Attempt(
              a.path("attempt").asInt(), a.path("peer_id").asText(), a.path("state").asText(),
              a.path("dispatched_at").asLong(), a.path("ended_at").asLong(0), a.path("detail").asText()));
    }
    JsonNode a = t.path("acceptance");
    TaskInfo.Acceptance acceptance =
        a.isObject()
            ? new TaskInfo.Acceptance(
                a.path("policy").asText(), a.path("decided_by").asText(), a.path("attempt").asInt(),
                a.path("peer_id").asText(), strings(a.path("agreeing")), checks(a.path("checks"), 0, ""))
            : null;
    return new TaskInfo(
        text(t, "id", "a task"), t.path("job_id").asText(), t.path("task_id").asText(), t.path("index").asInt(),
        t.path("operator").asText(), text(t, "state", "a task"), t.path("retries_used").asInt(),
        t.path("max_attempts").asInt(), errorText(t.path("error")), attempts, taskOutputs(t.path("outputs")),
        optionalText(t.path("acceptance_policy")), acceptance, keptResults(t.path("results")));
  }

  public static List<TaskInfo.KeptResult> keptResults(JsonNode results) {
    List<TaskInfo.KeptResult> out = new ArrayList<>();
    for (JsonNode r : results) {
      int attempt = r.path("attempt").asInt();
      String peer = r.path("peer_id").asText();
      out.add(new TaskInfo.KeptResult(attempt, peer, checks(r.path("checks"), attempt, peer), taskOutputs(r.path("outputs"))));
    }
    return List.copyOf(out);
  }

  /** Checks as the API lists them; those of one kept result name no attempt, so it is passed in. */
  private static List<TaskInfo.Check> checks(JsonNode array, int attempt, String peer) {
    List<TaskInfo.Check> out = new ArrayList<>();
    for (JsonNode c : array) {
      out.add(
          new TaskInfo.Check(
              c.path("attempt").asInt(attempt), c.path("peer_id").asText(peer), c.path("method").asText(),
              c.path("rounds").asInt(0), c.path("samples").asInt(0), c.path("outcome").asText().equals("passed"),
              c.path("detail").asText("")));
    }
    return List.copyOf(out);
  }

  public static TaskResult taskResult(JsonNode r) {
    JsonNode worker = r.path("worker");
    JsonNode usage = r.path("usage");
    JsonNode error = r.path("error");
    List<TaskResult.Artifact> artifacts = new ArrayList<>();
    for (JsonNode a : r.path("artifacts")) {
      artifacts.add(
          new TaskResult.Artifact(
              text(a, "name", "an artifact"), a.path("size").asLong(), a.path("media_type").asText("application/octet-stream"),
              a.path("sha256").asText(""), a.path("url").asText("")));
    }
    return new TaskResult(
        text(r, "id", "a task result"),
        text(r, "state", "a task result"),
        r.path("operator").asText(""),
        worker.isObject() ? workerRef(worker) : null,
        r.path("attempt").asInt(0),
        Duration.ofMillis(r.path("duration_ms").asLong(0)),
        optionalText(r.path("text")),
        optionalText(r.path("finish_reason")),
        optionalText(r.path("model")),
        usage.isObject()
            ? new TaskResult.Usage(
                usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                usage.path("total_tokens").asLong())
            : null,
        r.path("exit_code").isIntegralNumber() ? r.path("exit_code").asInt() : null,
        taskOutputs(r.path("outputs")),
        artifacts,
        error.isObject() ? new TaskResult.TaskError(error.path("code").asText("internal"), error.path("message").asText("")) : null);
  }

  public static TaskResult.WorkerRef workerRef(JsonNode w) {
    return new TaskResult.WorkerRef(text(w, "peer_id", "a worker"), w.path("name").asText(""));
  }

  public static TaskHandle taskHandle(JsonNode j) {
    return new TaskHandle(text(j, "id", "a queued task"), j.path("state").asText("queued"));
  }

  // ---------------------------------------------------------------- keys

  public static NewApiKey newKey(JsonNode k) {
    return new NewApiKey(
        text(k, "id", "a key"), text(k, "key", "a new key"), k.path("name").asText(""), scopes(k.path("scopes")),
        k.path("rate_limit").asInt(), optionalText(k.path("principal")), k.path("created_at").asLong());
  }

  public static List<ApiKey> keys(JsonNode json) {
    List<ApiKey> out = new ArrayList<>();
    for (JsonNode k : array(json, "keys")) {
      out.add(
          new ApiKey(
              text(k, "id", "a key"), k.path("name").asText(""), scopes(k.path("scopes")), k.path("rate_limit").asInt(),
              optionalText(k.path("principal")), k.path("created_at").asLong(), optionalLong(k.path("last_used_at")), optionalLong(k.path("revoked_at"))));
    }
    return List.copyOf(out);
  }

  public static KeyRevocation revocation(JsonNode j) {
    if (!j.path("revoked_at").isIntegralNumber()) {
      throw malformed("a revocation has no revoked_at");
    }
    return new KeyRevocation(text(j, "id", "a revocation"), j.path("revoked_at").asLong());
  }

  private static Set<ApiKey.Scope> scopes(JsonNode array) {
    Set<ApiKey.Scope> out = EnumSet.noneOf(ApiKey.Scope.class);
    for (JsonNode s : array) {
      ApiKey.Scope scope = ApiKey.Scope.fromWire(s.asText());
      if (scope == null) {
        throw malformed("unknown key scope " + s);
      }
      out.add(scope);
    }
    return out;
  }

  // ---------------------------------------------------------------- principals and delegates

  public static PrincipalInfo principal(JsonNode p) {
    String kind = text(p, "kind", "a principal");
    PrincipalInfo.Kind k = PrincipalInfo.Kind.fromWire(kind);
    if (k == null) {
      throw malformed("unknown principal kind " + kind);
    }
    return new PrincipalInfo(
        text(p, "id", "a principal"), k, p.path("name").asText(""), text(p, "public_key", "a principal"),
        p.path("created_at").asLong());
  }

  public static List<PrincipalInfo> principals(JsonNode json) {
    List<PrincipalInfo> out = new ArrayList<>();
    array(json, "principals").forEach(p -> out.add(principal(p)));
    return List.copyOf(out);
  }

  public static Delegation delegation(JsonNode d) {
    if (!d.path("in_force").isBoolean()) {
      throw malformed("a delegation has no in_force");
    }
    return new Delegation(
        text(d, "principal", "a delegation"), text(d, "delegate", "a delegation"), delegateScopes(d.path("scopes")),
        optionalLong(d.path("expires_at")), d.path("created_at").asLong(), optionalLong(d.path("revoked_at")),
        d.path("in_force").asBoolean());
  }

  public static List<Delegation> delegations(JsonNode json) {
    List<Delegation> out = new ArrayList<>();
    array(json, "delegates").forEach(d -> out.add(delegation(d)));
    return List.copyOf(out);
  }

  public static DelegateCheck delegateCheck(JsonNode c) {
    if (!c.path("is_delegate").isBoolean()) {
      throw malformed("a delegate check has no is_delegate");
    }
    return new DelegateCheck(
        text(c, "principal", "a delegate check"), text(c, "delegate", "a delegate check"), c.path("is_delegate").asBoolean(),
        delegateScopes(c.path("scopes")), optionalLong(c.path("expires_at")));
  }

  private static Set<DelegateScope> delegateScopes(JsonNode array) {
    Set<DelegateScope> out = EnumSet.noneOf(DelegateScope.class);
    for (JsonNode s : array) {
      DelegateScope scope = DelegateScope.fromWire(s.asText());
      if (scope == null) {
        throw malformed("unknown delegate scope " + s);
      }
      out.add(scope);
    }
    return out;
  }

  // ---------------------------------------------------------------- fleets, services, credits

  public static Pairing pairing(JsonNode p) {
    return new Pairing(
        text(p, "worker", "a pairing"), text(p, "owner", "a pairing"), p.path("worker_signed_at").asLong(),
        p.path("owner_signed_at").asLong(), p.path("created_at").asLong());
  }

  public static List<Pairing> pairings(JsonNode json) {
    List<Pairing> out = new ArrayList<>();
    array(json, "pairings").forEach(p -> out.add(pairing(p)));
    return List.copyOf(out);
  }

  /** A service as the orchestrator shows it: every field of its spec filled in. */
  public static ServiceInfo service(JsonNode s) {
    JsonNode config = s.path("config");
    JsonNode hw = s.path("hardware");
    ServiceSpec spec =
        ServiceSpec.builder(text(s, "name", "a service"), text(s, "operator", "a service"))
            .model(optionalText(config.path("model")))
            .command(optionalText(config.path("command")))
            .image(optionalText(config.path("image")))
            .minCores(hw.path("min_cores").asInt())
            .minMemoryBytes(hw.path("min_memory_bytes").asLong())
            .accelerator(optionalText(hw.path("accelerator")))
            .acceptance(s.path("acceptance").asText("first_valid"))
            .minPayment(s.path("min_payment").asLong())
            .maxPayment(s.path("max_payment").asLong())
            .maxTaskLifetimeMs(optionalLong(s.path("max_task_lifetime_ms")))
            .externallyScheduled(s.path("externally_scheduled").asBoolean())
            .build();
    return new ServiceInfo(
        text(s, "id", "a service"), s.path("owner").asText(""), spec, text(s, "state", "a service"), s.path("created_at").asLong(),
        s.path("updated_at").asLong());
  }

  public static List<ServiceInfo> services(JsonNode json) {
    List<ServiceInfo> out = new ArrayList<>();
    array(json, "services").forEach(s -> out.add(service(s)));
    return List.copyOf(out);
  }

  /** The registrations of {@code service} ({@code GET /v1/services/{id}/workers}). */
  public static List<ServiceRegistration> registrations(String service, JsonNode json) {
    List<ServiceRegistration> out = new ArrayList<>();
    for (JsonNode r : array(json, "workers")) {
      out.add(new ServiceRegistration(
          service, text(r, "worker", "a registration"), r.path("registered_at").asLong(), r.path("by").asText("")));
    }
    return List.copyOf(out);
  }

  public static CreditBalance creditBalance(JsonNode b) {
    if (!b.path("balance").isIntegralNumber()) {
      throw malformed("a credit balance has no balance");
    }
    return new CreditBalance(
        text(b, "principal", "a credit balance"), b.path("balance").asLong(), b.path("held").asLong(), b.path("earned").asLong());
  }

  public static CreditEntry creditEntry(JsonNode e) {
    if (!e.path("seq").isIntegralNumber() || !e.path("amount").isIntegralNumber()) {
      throw malformed("a credit entry has no seq or amount");
    }
    return new CreditEntry(
        e.path("seq").asLong(), e.path("at").asLong(), text(e, "from", "a credit entry"), text(e, "to", "a credit entry"),
        e.path("amount").asLong(), e.path("reason").asText(""), optionalText(e.path("task_id")));
  }

  public static CreditEntry.Page creditPage(JsonNode json) {
    List<CreditEntry> entries = new ArrayList<>();
    array(json, "entries").forEach(e -> entries.add(creditEntry(e)));
    if (!json.path("next_after").isIntegralNumber()) {
      throw malformed("a credit page has no next_after");
    }
    return new CreditEntry.Page(entries, json.path("next_after").asLong());
  }

  public static CreditCheck creditCheck(JsonNode c) {
    if (!c.path("balanced").isBoolean()) {
      throw malformed("a credit check has no balanced");
    }
    return new CreditCheck(c.path("balanced").asBoolean(), c.path("total").asLong());
  }

  // ---------------------------------------------------------------- plumbing

  /** A required string field. */
  public static String text(JsonNode o, String field, String what) {
    JsonNode v = o.path(field);
    if (!v.isTextual() || v.textValue().isEmpty()) {
      throw malformed(what + " has no " + field);
    }
    return v.textValue();
  }

  private static JsonNode array(JsonNode o, String field) {
    JsonNode v = o.path(field);
    if (!v.isArray()) {
      throw malformed("the answer has no " + field + " list");
    }
    return v;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  static String optionalText(JsonNode v) {
    return v.isTextual() ? v.textValue() : null;
  }

  /** A job's or task's error: a string, or an {@code {"code", "message"}} object. */
  private static String errorText(JsonNode v) {
    if (v.isObject()) {
      return v.path("code").asText("internal") + ": " + v.path("message").asText("");
    }
    return optionalText(v);
  }

  private static Long optionalLong(JsonNode v) {
    return v.isIntegralNumber() ? v.asLong() : null;
  }

  static ProtocolException malformed(String what) {
    return new ProtocolException(200, "the orchestrator sent a malformed answer: " + what, null);
  }
}
