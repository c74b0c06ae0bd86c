package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.core.Routing;
import dev.shoal.orchestrator.internal.http.ApiException;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one task request of the client API (API.md "Tasks") into a single-task job: checks every
 * field, builds the descriptor the worker will get, and says where the task may run. Program
 * tasks ({@code llm.*}, {@code process.run@1}) are built here; tensor operators go through the
 * job planner's checks. Stateless and thread-safe.
 */
public final class TaskRequests {

  /** How the caller waits: on the connection (run), on a stream of events, or not at all. */
  public enum Mode {
    RUN,
    STREAM,
    ASYNC
  }

  /** A planned request: the job to submit, and where to report its end (async only; may be null). */
  public record Planned(JobPlan plan, String operator, Webhook webhook) {}

  /** A webhook target and its secret (null: use the orchestrator's). */
  public record Webhook(String url, String secret) {}

  /** The kind of the jobs this planner makes; the core reads the routing back from their spec. */
  public static final String KIND = "task";

  /** The task's id within its one-task job: a task is named {@code {job}.t}. */
  public static final String TASK_ID = "t";

  public static final long DEFAULT_TIMEOUT_MILLIS = 300_000;
  public static final int DEFAULT_MAX_ATTEMPTS = 2;
  public static final int MAX_MESSAGES = 4096;

  private static final Set<String> FIELDS =
      Set.of(
          "operator", "worker", "model", "messages", "prompt", "params", "command", "inputs", "attributes",
          "timeout_ms", "max_attempts", "acceptance", "webhook", "service", "payment");
  /** Fields the worker sets itself; a client may not pass them through {@code params}. */
  private static final Set<String> RESERVED_PARAMS = Set.of("model", "stream", "stream_options", "messages", "prompt");
  private static final Pattern PARAM = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final JobPlanner planner;
  private final java.util.function.Function<String, java.util.Optional<ServiceBinding>> services;

  /** A planner for an API without services. */
  public TaskRequests(JobPlanner planner) {
    this(planner, id -> java.util.Optional.empty());
  }

  /** {@code services} finds a live service by id, for tasks published to one. */
  public TaskRequests(JobPlanner planner, java.util.function.Function<String, java.util.Optional<ServiceBinding>> services) {
    this.planner = planner;
    this.services = services;
  }

  /**
   * A task published to a service takes its operator, model or command and acceptance policy
   * from the service; a request that names different ones is refused rather than overridden.
   */
  private ServiceBinding bind(JsonNode body, Mode mode) {
    String id = text(body, "service", false, 64);
    if (id.isEmpty()) {
      return null;
    }
    ServiceBinding s =
        services.apply(id).orElseThrow(() -> ApiException.notFound("no live service " + TensorJson.printable(id)));
    if (s.externallyScheduled() && mode != Mode.ASYNC) {
      throw ApiException.invalidArgument(
          "service " + id + " is scheduled by its fleet's scheduler: submit with POST /v1/tasks and let it assign the task");
    }
    ObjectNode b = (ObjectNode) body;
    same(b, "operator", s.operator());
    if (s.model() != null) {
      same(b, "model", s.model());
    }
    if (s.command() != null) {
      same(b, "command", s.command());
    }
    if (b.has("acceptance")) {
      throw ApiException.invalidArgument("a service's tasks are accepted by its policy (" + s.acceptance() + "); leave acceptance out");
    }
    JsonNode timeout = b.get("timeout_ms");
    if (timeout == null || timeout.isNull()) {
      b.put("timeout_ms", Math.min(DEFAULT_TIMEOUT_MILLIS, s.maxLifetimeMillis()));
    } else if (timeout.canConvertToLong() && timeout.asLong() > s.maxLifetimeMillis()) {
      throw ApiException.invalidArgument(
          "timeout_ms is beyond service " + id + "'s maximum task lifetime of " + s.maxLifetimeMillis() + " ms");
    }
    b.put("acceptance", s.acceptance().toString());
    return s;
  }

  /** A service's task pays within the service's bounds (its minimum when not given); others pay nothing. */
  private static long payment(JsonNode body, ServiceBinding service) {
    JsonNode p = body.get("payment");
    if (p == null || p.isNull()) {
      return service == null ? 0 : service.minPayment();
    }
    if (service == null) {
      throw ApiException.invalidArgument("payment is for tasks published to a service");
    }
    if (!p.isIntegralNumber() || !p.canConvertToLong() || p.asLong() < service.minPayment() || p.asLong() > service.maxPayment()) {
      throw ApiException.invalidArgument(
          "payment must be an integer within service " + service.id() + "'s bounds, " + service.minPayment() + ".."
              + service.maxPayment() + " credits");
    }
    return p.asLong();
  }

  private static void same(ObjectNode b, String field, String fixed) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      b.put(field, fixed);
    } else if (!v.isTextual() || !v.asText().equals(fixed)) {
      throw ApiException.invalidArgument(field + " is fixed by the service: " + fixed);
    }
  }

  /**
   * Plans a request. RUN and STREAM tasks are routed immediately (overload is refused, never
   * queued); only ASYNC may carry a webhook.
   *
   * @throws ApiException {@code invalid_argument} naming the first problem found
   */
  public Planned plan(JsonNode body, Mode mode) {
    if (body == null || !body.isObject()) {
      throw ApiException.invalidArgument("the request must be a JSON object with an \"operator\"");
    }
    JobPlanner.checkFields(body, FIELDS, "");
    // Only a service's task is rewritten (a copy: the caller's body stays as sent).
    ServiceBinding service = body.has("service") ? bind(body = body.deepCopy(), mode) : null;
    String operator = text(body, "operator", true, 128);
    String worker = text(body, "worker", false, 64);
    if (!worker.isEmpty() && !PeerIds.isWellFormed(worker)) {
      throw ApiException.invalidArgument("worker must be a peer id (w + 32 base32 characters), got '" + TensorJson.printable(worker) + "'");
    }
    String model = text(body, "model", false, 256);
    long timeout =
        JobPlanner.integer(body, "timeout_ms", "timeout_ms", 1, planner.limits().maxTimeoutMillis(), DEFAULT_TIMEOUT_MILLIS);
    int maxAttempts =
        (int) JobPlanner.integer(body, "max_attempts", "max_attempts", 1, planner.limits().maxAttempts(), DEFAULT_MAX_ATTEMPTS);
    AcceptancePolicy policy = JobPlanner.policy(body, "acceptance", AcceptancePolicy.FIRST_VALID);
    if (mode == Mode.STREAM && policy.kind() != AcceptancePolicy.Kind.FIRST_VALID) {
      throw ApiException.invalidArgument("a streamed task is accepted first_valid: one attempt streams at a time");
    }
    Webhook webhook = webhook(body.get("webhook"), mode);
    boolean immediate = mode != Mode.ASYNC;
    Routing routing;
    if (!worker.isEmpty()) {
      routing = Routing.pinned(worker, immediate);
    } else if (!model.isEmpty()) {
      routing = Routing.matching(model, immediate);
    } else {
      routing = new Routing("", "", immediate);
    }
    if (service != null) {
      routing = routing.inService(service.id(), service.externallyScheduled());
    }

    PlannedTask task;
    if (Programs.isProgram(operator)) {
      task = program(body, operator, worker, model, mode, timeout, maxAttempts, policy).withRouting(routing);
    } else {
      for (String f : new String[] {"messages", "prompt", "params", "command"}) {
        if (body.has(f)) {
          throw ApiException.invalidArgument(f + " is for llm.* and process.run@1 tasks, not " + TensorJson.printable(operator));
        }
      }
      if (mode == Mode.STREAM) {
        throw ApiException.invalidArgument(TensorJson.printable(operator) + " streams nothing; use POST /v1/tasks/run");
      }
      ObjectNode job = MAPPER.createObjectNode();
      ObjectNode t = job.putArray("tasks").addObject().put("id", TASK_ID).put("operator", operator);
      if (body.has("inputs")) {
        t.set("inputs", body.get("inputs"));
      }
      if (body.has("attributes")) {
        t.set("attributes", body.get("attributes"));
      }
      job.put("timeout_ms", timeout).put("max_attempts", maxAttempts).put("acceptance", policy.toString());
      PlannedTask planned = planner.plan(job).tasks().getFirst();
      TaskDescriptor template = planned.template();
      if (!model.isEmpty() && !worker.isEmpty()) {
        template = template.toBuilder().setModel(model).build();
      }
      task = new PlannedTask(TASK_ID, template, maxAttempts, planned.expectedOutputs(), policy, routing);
    }
    ObjectNode spec = MAPPER.createObjectNode().put("operator", operator).put("mode", mode.name().toLowerCase());
    if (!worker.isEmpty()) {
      spec.put("worker", worker);
    }
    if (!model.isEmpty()) {
      spec.put("model", model);
    }
    if (webhook != null) {
      // The secret stays with the webhook dispatcher; the job's spec is shown to readers.
      spec.put("webhook", webhook.url());
    }
    long deadline = 0;
    long payment = payment(body, service);
    if (service != null) {
      spec.put("service", service.id()).put("external", service.externallyScheduled());
      // The task expires eagerly once the service's maximum lifetime has passed.
      deadline = service.maxLifetimeMillis();
    }
    return new Planned(new JobPlan(KIND, bytes(spec), List.of(task), deadline).paying(payment), operator, webhook);
  }

  private PlannedTask program(
      JsonNode body, String operator, String worker, String model, Mode mode, long timeout, int maxAttempts,
      AcceptancePolicy policy) {
    for (String f : new String[] {"inputs", "attributes"}) {
      if (body.has(f)) {
        throw ApiException.invalidArgument(f + " is for tensor operators; " + operator + " takes "
            + (operator.equals(Programs.PROCESS) ? "\"command\" and \"prompt\"" : "\"messages\"/\"prompt\" and \"params\""));
      }
    }
    TaskDescriptor.Builder d = TaskDescriptor.newBuilder().setOperator(operator).setTimeoutMs(timeout);
    if (mode == Mode.STREAM) {
      d.putAttributes("stream", AttributeValue.newBuilder().setIntValue(1).build());
    }
    if (operator.equals(Programs.PROCESS)) {
      for (String f : new String[] {"messages", "params", "model"}) {
        if (body.has(f)) {
          throw ApiException.invalidArgument(f + " is for llm.* tasks, not process.run@1");
        }
      }
      String command = text(body, "command", true, 64);
      if (!COMMAND.matcher(command).matches()) {
        throw ApiException.invalidArgument("command must name an allowlisted command ([A-Za-z0-9._-], at most 64), got '"
            + TensorJson.printable(command) + "'");
      }
      d.putAttributes("command", AttributeValue.newBuilder().setStringValue(command).build());
      if (body.has("prompt")) {
        String prompt = text(body, "prompt", true, Integer.MAX_VALUE);
        d.addInputs(blob("text/plain; charset=utf-8", ByteString.copyFromUtf8(prompt)));
      }
    } else {
      if (body.has("command")) {
        throw ApiException.invalidArgument("command is for process.run@1 tasks, not " + operator);
      }
      if (model.isEmpty() && worker.isEmpty()) {
        throw ApiException.invalidArgument(operator + " needs a \"model\" (or a \"worker\" to pin)");
      }
      ObjectNode request = params(body.get("params"));
      if (operator.equals(Programs.CHAT)) {
        if (body.has("prompt")) {
          throw ApiException.invalidArgument("llm.chat@1 takes \"messages\"; \"prompt\" is for llm.complete@1");
        }
        request.set("messages", messages(body.get("messages")));
      } else {
        if (body.has("messages")) {
          throw ApiException.invalidArgument("llm.complete@1 takes \"prompt\"; \"messages\" is for llm.chat@1");
        }
        request.put("prompt", text(body, "prompt", true, Integer.MAX_VALUE));
      }
      d.addInputs(blob("application/json", ByteString.copyFrom(bytes(request))));
      if (!worker.isEmpty() && !model.isEmpty()) {
        d.setModel(model);
      }
    }
    return new PlannedTask(TASK_ID, d.build(), maxAttempts, List.of(), policy);
  }

  /** OpenAI request fields passed to the upstream as they are; the worker sets the reserved ones. */
  static ObjectNode params(JsonNode params) {
    ObjectNode out = MAPPER.createObjectNode();
    if (params == null || params.isNull()) {
      return out;
    }
    if (!params.isObject()) {
      throw ApiException.invalidArgument("params must be an object of OpenAI request fields");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      if (!PARAM.matcher(name).matches()) {
        throw ApiException.invalidArgument("params." + TensorJson.printable(name) + " is not a request field name");
      }
      if (RESERVED_PARAMS.contains(name)) {
        throw ApiException.invalidArgument("params." + name + " is set by Shoal, not by the client");
      }
      if (name.equals("n") && !(e.getValue().canConvertToInt() && e.getValue().asInt() == 1)) {
        throw ApiException.invalidArgument("params.n must be 1: a task returns one answer");
      }
      out.set(name, e.getValue());
    }
    return out;
  }

  /** OpenAI chat messages: objects with a known role; the content is the upstream's to judge. */
  static JsonNode messages(JsonNode messages) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw ApiException.invalidArgument("messages must be a non-empty list of {\"role\", \"content\"}");
    }
    if (messages.size() > MAX_MESSAGES) {
      throw ApiException.invalidArgument("messages has " + messages.size() + " entries; at most " + MAX_MESSAGES);
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      if (!m.isObject() || !m.path("role").isTextual() || !ROLES.contains(m.path("role").asText())) {
        throw ApiException.invalidArgument("messages[" + i + "] must be an object whose role is one of " + ROLES);
      }
      JsonNode content = m.get("content");
      if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
        throw ApiException.invalidArgument("messages[" + i + "].content must be a string or a list of parts");
      }
    }
    return messages;
  }

  private static Webhook webhook(JsonNode node, Mode mode) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (mode != Mode.ASYNC) {
      throw ApiException.invalidArgument("webhook is for POST /v1/tasks; a run or a stream answers on its connection");
    }
    if (!node.isObject()) {
      throw ApiException.invalidArgument("webhook must be {\"url\", \"secret\"}");
    }
    JobPlanner.checkFields(node, Set.of("url", "secret"), "webhook.");
    String url = text(node, "url", true, 2048);
    String secret = text(node, "secret", false, 256);
    if (!secret.isEmpty() && secret.length() < 16) {
      throw ApiException.invalidArgument("webhook.secret must have 16..256 characters");
    }
    return new Webhook(url, secret.isEmpty() ? null : secret);
  }

  private static String text(JsonNode parent, String field, boolean required, int maxLength) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw ApiException.invalidArgument(field + " is required");
      }
      return "";
    }
    if (!v.isTextual()) {
      throw ApiException.invalidArgument(field + " must be a string, got " + TensorJson.brief(v));
    }
    String s = v.asText();
    if (s.length() > maxLength) {
      throw ApiException.invalidArgument(field + " is longer than " + maxLength + " characters");
    }
    if (required && s.isEmpty()) {
      throw ApiException.invalidArgument(field + " must not be empty");
    }
    return s;
  }

  private static Value blob(String mediaType, ByteString data) {
    return Value.newBuilder().setBlob(Blob.newBuilder().setMediaType(mediaType).setData(data)).build();
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
