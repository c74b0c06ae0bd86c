package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.principals.Action;
import dev.shoal.orchestrator.internal.principals.Caller;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.services.ServiceSpec;
import dev.shoal.orchestrator.internal.services.Services;
import dev.shoal.orchestrator.internal.store.RegistrationRecord;
import dev.shoal.orchestrator.internal.store.ServiceRecord;
import dev.shoal.protocol.PeerIds;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code /v1/services} and {@code POST /v1/tasks/{id}/assign} (API.md "Services"): a client
 * creates, updates and retires its services; a worker's fleet owner (or its fleet-side delegate)
 * registers it to services; an external scheduler assigns a service's tasks to registered workers.
 */
final class ServiceRoutes {

  private static final Set<String> FIELDS =
      Set.of(
          "name", "operator", "config", "hardware", "acceptance", "min_payment", "max_payment", "max_task_lifetime_ms",
          "externally_scheduled");

  private final HttpApi api;
  private final JobService jobs;
  private final Directory directory;
  private final Services services;
  private final ObjectMapper mapper = new ObjectMapper();

  ServiceRoutes(HttpApi api, JobService jobs, Directory directory, Services services) {
    this.api = api;
    this.jobs = jobs;
    this.directory = directory;
    this.services = services;
  }

  /** {@code POST /v1/services}: the client itself (not a delegate) creates one. */
  void create(Context ctx) throws Exception {
    Caller caller = api.caller(ctx);
    if (caller.effective().isEmpty()) {
      throw new ApiException(ApiException.Code.PERMISSION_DENIED, "only a client's key creates services");
    }
    api.require(caller, Action.MANAGE_SERVICE, caller.effective());
    ServiceSpec spec = spec(body(ctx), null);
    api.replyJson(ctx, 201, view(api.await(services.create(spec, caller.actor()))));
  }

  void list(Context ctx) {
    String owner = ctx.queryParam("owner");
    if (owner != null && !PeerIds.isPrincipalId(owner)) {
      throw ApiException.invalidArgument("owner must be a principal id (p…)");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("services");
    services.services(owner == null ? "" : owner, "true".equals(ctx.queryParam("include_retired"))).forEach(s -> all.add(view(s)));
    api.replyJson(ctx, 200, out);
  }

  void get(Context ctx) {
    api.replyJson(ctx, 200, view(known(ctx.pathParam("id"))));
  }

  /** {@code PATCH /v1/services/{id}}: the fields given replace the service's; its operator stays. */
  void update(Context ctx) throws Exception {
    ServiceRecord s = known(ctx.pathParam("id"));
    Caller caller = api.caller(ctx);
    api.require(caller, Action.MANAGE_SERVICE, s.owner());
    JsonNode body = body(ctx);
    if (body.has("operator") && !s.operator().equals(body.get("operator").asText())) {
      throw ApiException.invalidArgument("a service's operator is fixed (" + s.operator() + "); create another service");
    }
    ServiceSpec spec = spec(body, Services.spec(s));
    api.replyJson(ctx, 200, view(api.await(services.update(s.id(), spec, caller.actor()))));
  }

  /** {@code POST /v1/services/{id}/retire}: for good; it takes no new tasks. */
  void retire(Context ctx) throws Exception {
    ServiceRecord s = known(ctx.pathParam("id"));
    Caller caller = api.caller(ctx);
    api.require(caller, Action.MANAGE_SERVICE, s.owner());
    boolean changed = api.await(services.retire(s.id(), caller.actor()));
    api.replyJson(ctx, 200, view(services.service(s.id()).orElseThrow()).put("retired_now", changed));
  }

  /** {@code POST /v1/services/{id}/workers}: {@code {"worker": "w…"}} by its fleet owner or a delegate with {@code register}. */
  void register(Context ctx) throws Exception {
    ServiceRecord s = known(ctx.pathParam("id"));
    JsonNode body = api.readJson(ctx);
    if (!body.isObject() || body.size() != 1 || !body.path("worker").isTextual()) {
      throw ApiException.invalidArgument("the request must be {\"worker\": \"w…\"}");
    }
    String worker = worker(body.get("worker").asText());
    Caller caller = api.caller(ctx);
    String owner = ownerOf(worker);
    api.require(caller, Action.REGISTER, owner);
    boolean added = api.await(services.register(s.id(), worker, owner, caller.actor()));
    api.replyJson(ctx, added ? 201 : 200, mapper.createObjectNode().put("service", s.id()).put("worker", worker).put("registered", true));
  }

  void unregister(Context ctx) throws Exception {
    ServiceRecord s = known(ctx.pathParam("id"));
    String worker = worker(ctx.pathParam("worker"));
    Caller caller = api.caller(ctx);
    String owner = ownerOf(worker);
    api.require(caller, Action.REGISTER, owner);
    if (!api.await(services.unregister(s.id(), worker, owner, caller.actor()))) {
      throw ApiException.notFound("worker " + worker + " is not registered to " + s.id());
    }
    api.replyJson(ctx, 200, mapper.createObjectNode().put("service", s.id()).put("worker", worker).put("registered", false));
  }

  void workers(Context ctx) {
    ServiceRecord s = known(ctx.pathParam("id"));
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("workers");
    for (RegistrationRecord r : services.registrations(s.id())) {
      all.addObject().put("worker", r.worker()).put("registered_at", r.registeredAt()).put("by", r.by());
    }
    api.replyJson(ctx, 200, out);
  }

  /**
   * {@code POST /v1/tasks/{id}/assign}: {@code {"worker": "w…"}}, for a task of an externally
   * scheduled service, by the worker's fleet owner or its delegate with {@code assign}.
   */
  void assign(Context ctx) throws Exception {
    HttpApi.TaskRef ref = api.taskRef(ctx);
    JsonNode body = api.readJson(ctx);
    if (!body.isObject() || body.size() != 1 || !body.path("worker").isTextual()) {
      throw ApiException.invalidArgument("the request must be {\"worker\": \"w…\"}");
    }
    String worker = worker(body.get("worker").asText());
    Caller caller = api.caller(ctx);
    api.require(caller, Action.ASSIGN, ownerOf(worker));
    JobService.AssignOutcome outcome = api.await(jobs.assign(ref.jobId(), ref.taskId(), worker, caller.actor()));
    switch (outcome) {
      case ASSIGNED -> api.replyJson(ctx, 200, mapper.createObjectNode().put("id", ref.full()).put("worker", worker).put("assigned", true));
      case NOT_FOUND -> throw ApiException.notFound("no live task " + ref.full());
      case NOT_EXTERNAL -> throw ApiException.conflict("task " + ref.full() + " is scheduled by the orchestrator, not from outside");
      case NOT_READY -> throw ApiException.conflict("task " + ref.full() + " has finished or has every attempt it needs");
      case NOT_REGISTERED -> throw ApiException.conflict("worker " + worker + " is not registered to the task's service");
      case WORKER_UNAVAILABLE -> throw ApiException.conflict(
          "worker " + worker + " is not connected, cannot run the task, is quarantined or already works on it");
      case WORKER_FULL -> throw new ApiException(ApiException.Code.MESH_OVERLOADED, "worker " + worker + " has no free slot", 1);
    }
  }

  private String ownerOf(String worker) {
    return directory.ownerOf(worker).orElseThrow(() -> ApiException.conflict(
        "worker " + worker + " is not paired with a fleet owner (a worker registers itself by listing the service)"));
  }

  private static String worker(String id) {
    if (!PeerIds.isWellFormed(id)) {
      throw ApiException.invalidArgument("worker must be a peer id (w…), got '" + HttpApi.printable(id) + "'");
    }
    return id;
  }

  private ServiceRecord known(String id) {
    return services.service(id).orElseThrow(() -> ApiException.notFound("no service " + HttpApi.printable(id)));
  }

  private JsonNode body(Context ctx) {
    return api.readObject(ctx, FIELDS);
  }

  /** A spec from a request, fields left out taken from {@code base} (an update) or their defaults. */
  private static ServiceSpec spec(JsonNode b, ServiceSpec base) {
    try {
      JsonNode config = b.path("config");
      JsonNode hw = b.path("hardware");
      if (!config.isMissingNode() && !config.isObject() || !hw.isMissingNode() && !hw.isObject()) {
        throw new IllegalArgumentException("config and hardware must be objects");
      }
      boolean newConfig = config.isObject();
      boolean newHardware = hw.isObject();
      return new ServiceSpec(
          str(b, "name", base == null ? null : base.name()),
          str(b, "operator", base == null ? null : base.operator()),
          newConfig ? str(config, "model", null) : base == null ? null : base.model(),
          newConfig ? str(config, "command", null) : base == null ? null : base.command(),
          newConfig ? str(config, "image", null) : base == null ? null : base.image(),
          newHardware ? (int) num(hw, "min_cores", 0) : base == null ? 0 : base.minCores(),
          newHardware ? num(hw, "min_memory_bytes", 0) : base == null ? 0 : base.minMemoryBytes(),
          newHardware ? str(hw, "accelerator", null) : base == null ? null : base.accelerator(),
          b.has("acceptance")
              ? AcceptancePolicy.parse(str(b, "acceptance", null))
              : base == null ? AcceptancePolicy.FIRST_VALID : base.acceptance(),
          num(b, "min_payment", base == null ? 0 : base.minPayment()),
          // A new service given only a minimum pays exactly that.
          num(b, "max_payment", base == null ? num(b, "min_payment", 0) : base.maxPayment()),
          num(b, "max_task_lifetime_ms", base == null ? ServiceSpec.DEFAULT_LIFETIME_MILLIS : base.maxLifetimeMillis()),
          b.has("externally_scheduled") ? bool(b, "externally_scheduled") : base != null && base.externallyScheduled());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
  }

  private static String str(JsonNode o, String field, String fallback) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.asText();
  }

  private static long num(JsonNode o, String field, long fallback) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(field + " must be an integer");
    }
    return v.asLong();
  }

  private static boolean bool(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(field + " must be true or false");
    }
    return v.asBoolean();
  }

  private ObjectNode view(ServiceRecord r) {
    ServiceSpec s = Services.spec(r);
    ObjectNode o = mapper.createObjectNode().put("id", r.id()).put("owner", r.owner()).put("name", r.name()).put("operator", r.operator());
    try {
      o.set("config", mapper.readTree(r.config()));
      o.set("hardware", mapper.readTree(r.hardware()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    o.put("acceptance", s.acceptance().toString())
        .put("min_payment", r.minPayment())
        .put("max_payment", r.maxPayment())
        .put("max_task_lifetime_ms", r.maxLifetimeMillis())
        .put("externally_scheduled", r.externallyScheduled())
        .put("state", r.retired() ? "retired" : "active")
        .put("created_at", r.createdAt())
        .put("updated_at", r.updatedAt());
    return o;
  }
}
