package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.WorkerStatus;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's {@code /v1/models}, {@code /v1/chat/completions} and {@code /v1/completions} in front
 * of the mesh: a request becomes one {@code llm.*} task routed by its {@code model} (API.md
 * "Matching"), and the task's checked answer comes back in OpenAI's shapes. Errors use OpenAI's
 * envelope (see {@link #isOpenAiPath}).
 */
final class OpenAiRoutes {

  /** Fields of an OpenAI request that Shoal reads itself; every other field goes to the upstream. */
  private static final Set<String> OWN_FIELDS = Set.of("model", "messages", "prompt", "stream", "stream_options");

  private final HttpApi api;
  private final JobService jobs;
  private final TaskRequests requests;
  private final ObjectMapper mapper = new ObjectMapper();
  private final AnswerDeadlines deadlines;

  OpenAiRoutes(HttpApi api, JobService jobs, TaskRequests requests, AnswerDeadlines deadlines) {
    this.api = api;
    this.jobs = jobs;
    this.requests = requests;
    this.deadlines = deadlines;
  }

  /** Whether a path answers errors in OpenAI's envelope rather than Shoal's. */
  static boolean isOpenAiPath(String path) {
    return path.equals("/v1/models") || path.equals("/v1/chat/completions") || path.equals("/v1/completions");
  }

  /** {@code GET /v1/models}: every model a connected, unquarantined worker serves, once. */
  void models(Context ctx) throws Exception {
    ObjectNode out = mapper.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    Set<String> seen = new HashSet<>();
    for (WorkerStatus w : api.await(jobs.workers(false))) {
      if (w.standing().quarantined() || !serves(w)) {
        continue;
      }
      String owner = w.descriptor().getOwner().isEmpty() ? "shoal" : w.descriptor().getOwner();
      for (String m : w.descriptor().getModelsList()) {
        if (seen.add(m.toLowerCase(Locale.ROOT))) {
          data.addObject().put("id", m).put("object", "model").put("created", w.connectedAt() / 1000).put("owned_by", owner);
        }
      }
    }
    api.replyJson(ctx, 200, out);
  }

  private static boolean serves(WorkerStatus w) {
    return w.descriptor().getOperatorsList().contains(Programs.CHAT)
        || w.descriptor().getOperatorsList().contains(Programs.COMPLETE);
  }

  /** {@code POST /v1/chat/completions}. */
  void chat(Context ctx) throws Exception {
    complete(ctx, true);
  }

  /** {@code POST /v1/completions}. */
  void completions(Context ctx) throws Exception {
    complete(ctx, false);
  }

  private void complete(Context ctx, boolean chat) throws Exception {
    JsonNode body = api.readJson(ctx);
    if (!body.isObject()) {
      throw ApiException.invalidArgument("the request must be a JSON object");
    }
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.asText().isEmpty()) {
      throw ApiException.invalidArgument("model is required: a model name, a worker or service name, or a peer id");
    }
    boolean stream = body.path("stream").asBoolean(false);
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    ObjectNode task = mapper.createObjectNode().put("operator", chat ? Programs.CHAT : Programs.COMPLETE);
    task.put("model", model.asText());
    if (chat) {
      task.set("messages", body.get("messages"));
    } else {
      JsonNode prompt = body.get("prompt");
      if (prompt != null && prompt.isArray() && prompt.size() == 1) {
        prompt = prompt.get(0);
      }
      task.set("prompt", prompt);
    }
    ObjectNode params = task.putObject("params");
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!OWN_FIELDS.contains(e.getKey())) {
        params.set(e.getKey(), e.getValue());
      }
    }
    TaskRequests.Planned planned = requests.plan(task, stream ? TaskRequests.Mode.STREAM : TaskRequests.Mode.RUN);
    // Named here, so that the answer knows its ids before the first event can reach it.
    String jobId = jobs.newJobId();
    String fullId = jobId + "." + TaskRequests.TASK_ID;
    OpenAiAnswer answer =
        new OpenAiAnswer(
            mapper,
            new OpenAiAnswer.Request(
                fullId, (chat ? "chatcmpl-" : "cmpl-") + fullId, chat, stream, includeUsage, model.asText(),
                System.currentTimeMillis() / 1000),
            () -> jobs.cancelTask(jobId, TaskRequests.TASK_ID));
    // The task's events render the answer on the core's thread, straight into the response;
    // this thread only submits, then goes back to the server.
    api.await(jobs.submit(api.publish(ctx, planned.plan().withJobId(jobId)), answer));
    deadlines.watch(answer, planned.plan().tasks().getFirst(), () -> jobs.cancelTask(jobId, TaskRequests.TASK_ID));
    answer.reply().arm(ctx);
  }

  /** OpenAI's error envelope: {@code {"error": {"message", "type", "param", "code"}}}. */
  static ObjectNode envelope(ObjectMapper mapper, ApiException e) {
    String type =
        switch (e.status()) {
          case 401 -> "authentication_error";
          case 403 -> "permission_error";
          case 429 -> "rate_limit_error";
          case 400, 404, 405, 409, 413 -> "invalid_request_error";
          default -> "server_error";
        };
    ObjectNode out = mapper.createObjectNode();
    out.putObject("error").put("message", e.getMessage()).put("type", type).putNull("param").put("code", e.code().wireName());
    return out;
  }

}
