package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.WorkerStatus;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Iterator;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's {@code /v1/models}, {@code /v1/chat/completions} and {@code /v1/completions} in front
 * of the mesh: a request becomes one {@code llm.*} task routed by its {@code model} (API.md
 * "Matching"), and the task's checked answer comes back in OpenAI's shapes. Errors use OpenAI's
 * envelope (see {@link #isOpenAiPath}).
 */
final class OpenAiRoutes {

  private static final Logger log = LoggerFactory.getLogger(OpenAiRoutes.class);
  private static final long GRACE_MILLIS = 30_000;
  /** Fields of an OpenAI request that Shoal reads itself; every other field goes to the upstream. */
  private static final Set<String> OWN_FIELDS = Set.of("model", "messages", "prompt", "stream", "stream_options");
  private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final HttpApi api;
  private final JobService jobs;
  private final TaskRequests requests;
  private final ObjectMapper mapper = new ObjectMapper();

  OpenAiRoutes(HttpApi api, JobService jobs, TaskRequests requests) {
    this.api = api;
    this.jobs = jobs;
    this.requests = requests;
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
    Waiter waiter = new Waiter();
    String id = api.await(jobs.submit(api.publish(ctx, planned.plan()), waiter)) + "." + TaskRequests.TASK_ID;
    var planned0 = planned.plan().tasks().getFirst();
    long deadline =
        System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos(planned0.template().getTimeoutMs() * planned0.maxAttempts() + GRACE_MILLIS);
    long created = System.currentTimeMillis() / 1000;
    String openAiId = (chat ? "chatcmpl-" : "cmpl-") + id;
    if (stream) {
      stream(ctx, waiter, id, openAiId, chat, model.asText(), created, includeUsage, deadline);
      return;
    }
    ctx.header("Shoal-Task-Id", id);
    TaskStatus done = waiter.finished(deadline);
    if (done == null) {
      jobs.cancelTask(TaskRoutes.jobOf(id), TaskRequests.TASK_ID);
      throw new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + id + " did not end in time");
    }
    Optional<ApiException> error = TaskViews.error(id, done);
    if (error.isPresent()) {
      throw error.get();
    }
    JsonNode answer = TaskViews.answer(done.result());
    ctx.header("Shoal-Worker", done.acceptance() == null ? "" : done.acceptance().peer());
    ObjectNode out = head(openAiId, chat ? "chat.completion" : "text_completion", created, answer.path("model").asText(model.asText()));
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    if (chat) {
      choice.putObject("message").put("role", "assistant").put("content", answer.path("text").asText());
    } else {
      choice.put("text", answer.path("text").asText());
      choice.putNull("logprobs");
    }
    finishReason(choice, answer);
    out.set("usage", usage(answer));
    api.replyJson(ctx, 200, out);
  }

  private void stream(
      Context ctx, Waiter waiter, String id, String openAiId, boolean chat, String model, long created,
      boolean includeUsage, long deadline) throws Exception {
    String object = chat ? "chat.completion.chunk" : "text_completion";
    SseStream sse = new SseStream(ctx, "Shoal-Task-Id", id);
    boolean roleSent = false;
    try {
      while (true) {
        Waiter.Event e = waiter.next(deadline);
        if (e == null) {
          jobs.cancelTask(TaskRoutes.jobOf(id), TaskRequests.TASK_ID);
          sse.data(errorJson(new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + id + " did not end in time")));
          sse.flush();
          return;
        }
        do {
          switch (e) {
            case Waiter.Started s -> {}
            case Waiter.Chunk c -> {
              if (c.channel().equals("tokens")) {
                ObjectNode chunk = head(openAiId, object, created, model);
                ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
                if (chat) {
                  ObjectNode delta = choice.putObject("delta");
                  if (!roleSent) {
                    delta.put("role", "assistant");
                    roleSent = true;
                  }
                  delta.put("content", c.data().toStringUtf8());
                } else {
                  choice.put("text", c.data().toStringUtf8());
                }
                choice.putNull("finish_reason");
                sse.data(mapper.writeValueAsBytes(chunk));
              }
            }
            case Waiter.Finished f -> {
              finish(sse, f.status(), id, openAiId, object, chat, model, created, includeUsage);
              sse.flush();
              return;
            }
          }
          e = waiter.poll();
        } while (e != null);
        sse.flush();
      }
    } catch (IOException gone) {
      log.debug("event=stream_abandoned task={} reason=\"{}\"", id, gone.getMessage());
      jobs.cancelTask(TaskRoutes.jobOf(id), TaskRequests.TASK_ID);
    }
  }

  /** The last chunk (finish reason), the usage chunk if asked for, then [DONE]; or an error. */
  private void finish(
      SseStream sse, TaskStatus status, String id, String openAiId, String object, boolean chat, String model,
      long created, boolean includeUsage) throws IOException {
    Optional<ApiException> error = TaskViews.error(id, status);
    if (error.isPresent()) {
      sse.data(errorJson(error.get()));
      return;
    }
    JsonNode answer = TaskViews.answer(status.result());
    String served = answer.path("model").asText(model);
    ObjectNode last = head(openAiId, object, created, served);
    ObjectNode choice = last.putArray("choices").addObject().put("index", 0);
    if (chat) {
      choice.putObject("delta");
    } else {
      choice.put("text", "");
    }
    finishReason(choice, answer);
    sse.data(mapper.writeValueAsBytes(last));
    if (includeUsage) {
      ObjectNode u = head(openAiId, object, created, served);
      u.putArray("choices");
      u.set("usage", usage(answer));
      sse.data(mapper.writeValueAsBytes(u));
    }
    sse.data(DONE);
  }

  private ObjectNode head(String id, String object, long created, String model) {
    return mapper.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  private static void finishReason(ObjectNode choice, JsonNode answer) {
    JsonNode fr = answer.path("finish_reason");
    if (fr.isTextual()) {
      choice.put("finish_reason", fr.asText());
    } else {
      choice.put("finish_reason", "stop");
    }
  }

  private ObjectNode usage(JsonNode answer) {
    JsonNode u = answer.path("usage");
    return mapper.createObjectNode()
        .put("prompt_tokens", u.path("prompt_tokens").asLong())
        .put("completion_tokens", u.path("completion_tokens").asLong())
        .put("total_tokens", u.path("total_tokens").asLong());
  }

  private byte[] errorJson(ApiException e) throws IOException {
    return mapper.writeValueAsBytes(envelope(mapper, e));
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
