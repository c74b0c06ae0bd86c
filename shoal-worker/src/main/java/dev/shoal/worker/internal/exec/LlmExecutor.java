package dev.shoal.worker.internal.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.worker.internal.net.EventLoops;
import dev.shoal.worker.internal.net.UpstreamClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code llm.chat@1} and {@code llm.complete@1}: forwards the task's request body to the owner's
 * OpenAI-compatible server with the model and streaming flags set, relays text deltas as {@code
 * tokens} chunks the moment each server-sent event arrives, and answers with {@code {"text",
 * "finish_reason", "usage", "model"}}.
 *
 * <p>The exchange runs on the worker's event loop ({@link UpstreamClient}): the request leaves
 * from the thread that received the task, the answer is read on it as it arrives, each token is
 * relayed from there and the outcome completes there, so the result is signed and sent with no
 * other thread woken. Cancelling the outcome closes the connection, which is what makes the
 * server stop generating. Thread-safe.
 */
public final class LlmExecutor implements TaskExecutor {

  public static final OperatorId CHAT = OperatorId.parse("llm.chat@1");
  public static final OperatorId COMPLETE = OperatorId.parse("llm.complete@1");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ATTRIBUTES = Set.of("stream");
  /** Longest SSE line accepted; a delta is a few bytes, so this only stops a runaway server. */
  private static final int MAX_LINE = 4 << 20;
  /** How much of an error answer is read for its message. */
  private static final int MAX_ERROR_BODY = 64 * 1024;
  /** How much of an upstream's error message reaches the result. */
  private static final int MAX_MESSAGE = 1000;

  private final String base;
  private final String authorization;
  private final Set<String> models;
  private final UpstreamClient http;

  /**
   * @param baseUrl the server's OpenAI base URL, ending in {@code /v1} by convention
   * @param apiKey sent as a bearer token, or null
   * @param models the models this worker serves through it
   */
  public LlmExecutor(URI baseUrl, String apiKey, List<String> models) {
    String b = baseUrl.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.authorization = apiKey == null ? null : "Bearer " + apiKey;
    this.models = Set.copyOf(models);
    this.http = new UpstreamClient(baseUrl, EventLoops.shared());
  }

  @Override
  public Set<OperatorId> operators() {
    return Set.of(CHAT, COMPLETE);
  }

  @Override
  public Job admit(TaskDescriptor task) throws Rejection {
    boolean isChat = OperatorId.parse(task.getOperator()).equals(CHAT);
    String model = task.getModel();
    if (model.isEmpty()) {
      throw Rejection.badInput(task.getOperator() + " needs a model");
    }
    if (!models.contains(model)) {
      throw Rejection.unsupported("model '" + model + "' is not served by this worker");
    }
    AdmissionChecks.onlyAttributes(task, ATTRIBUTES);
    boolean stream = AdmissionChecks.stream(task);
    if (task.getInputsCount() != 1 || !task.getInputs(0).hasBlob()) {
      throw Rejection.badInput(task.getOperator() + " takes exactly one input: a JSON Blob with the request body");
    }
    Blob blob = task.getInputs(0).getBlob();
    if (!AdmissionChecks.isMediaType(blob.getMediaType(), "application/json")) {
      throw Rejection.badInput("inputs[0] must be application/json, not '" + blob.getMediaType() + "'");
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(blob.getData().newInput());
    } catch (JsonProcessingException e) {
      throw Rejection.badInput("inputs[0] is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw Rejection.badInput("inputs[0] could not be read: " + e.getMessage());
    }
    if (parsed == null || !parsed.isObject()) {
      throw Rejection.badInput("inputs[0] must be a JSON object (the request body)");
    }
    ObjectNode body = (ObjectNode) parsed;
    if (isChat) {
      JsonNode messages = body.get("messages");
      if (messages == null || !messages.isArray() || messages.isEmpty()) {
        throw Rejection.badInput("llm.chat@1 needs a non-empty messages array");
      }
    } else {
      JsonNode prompt = body.get("prompt");
      if (prompt == null || !(prompt.isTextual() || prompt.isArray())) {
        throw Rejection.badInput("llm.complete@1 needs a prompt (a string or an array)");
      }
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
      throw Rejection.badInput("n must be 1: a result holds one answer");
    }
    // The worker's to set (PROTOCOL.md): the model it advertised, and streaming as asked.
    body.put("model", model);
    body.put("stream", stream);
    if (stream) {
      body.putObject("stream_options").put("include_usage", true);
    } else {
      body.remove("stream_options");
    }
    return new LlmJob(isChat ? "/chat/completions" : "/completions", isChat, model, body, stream);
  }

  @Override
  public void close() {
    http.close();
  }

  private final class LlmJob implements Job {
    private final String path;
    private final boolean isChat;
    private final String model;
    private final ObjectNode body;
    private final boolean stream;
    /** The upstream answered with a status line: a later failure broke its answer off. */
    private volatile boolean answered;

    LlmJob(String path, boolean isChat, String model, ObjectNode body, boolean stream) {
      this.path = path;
      this.isChat = isChat;
      this.model = model;
      this.body = body;
      this.stream = stream;
    }

    /**
     * Sends the request from the transport thread (the worker's event loop) without blocking; the
     * answer is read there as it arrives ({@link Answer}), each token relayed from there, and the
     * outcome completes there too: no task thread wakes for it.
     */
    @Override
    public Optional<CompletableFuture<Outcome>> start(ChunkSink chunks, long outputBudget) {
      byte[] bytes;
      try {
        bytes = JSON.writeValueAsBytes(body);
      } catch (JsonProcessingException e) {
        return Optional.of(
            CompletableFuture.completedFuture(new Outcome.Failed("internal", "could not encode the request: " + e.getOriginalMessage())));
      }
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      String accept = stream ? "text/event-stream" : "application/json";
      String[] headers =
          authorization == null ? new String[] {"Accept", accept} : new String[] {"Accept", accept, "Authorization", authorization};
      UpstreamClient.Exchange exchange = http.post(path, bytes, new Answer(outcome, chunks, outputBudget), headers);
      // Cancelling the outcome aborts the exchange: the upstream sees the hang-up.
      outcome.whenComplete((o, e) -> {
        if (outcome.isCancelled()) {
          exchange.abort();
        }
      });
      return Optional.of(outcome);
    }

    /** What a failed exchange means for the attempt. */
    private Outcome failed(Throwable cause, boolean answered) {
      return answered
          ? Outcome.execution("upstream " + base + " broke off its answer: " + describe(cause))
          : Outcome.execution("upstream " + base + " could not be reached: " + describe(cause));
    }

    /** The same exchange, waited for on the calling thread (the task runner uses {@link #start}). */
    @Override
    public Outcome run(ChunkSink chunks, long outputBudget) throws InterruptedException {
      CompletableFuture<Outcome> outcome = start(chunks, outputBudget).orElseThrow();
      try {
        return outcome.get();
      } catch (InterruptedException e) {
        outcome.cancel(true);
        throw e;
      } catch (ExecutionException e) {
        return failed(e.getCause(), true);
      }
    }

    /**
     * The upstream's answer, read as it arrives on the worker's event loop: an error status's
     * message, the whole JSON answer, or a stream whose tokens go out as chunks one by one. It
     * completes the attempt's outcome there too.
     */
    private final class Answer implements UpstreamClient.Response {
      private final CompletableFuture<Outcome> outcome;
      private final ChunkSink chunks;
      private final long budget;
      private int status;
      /** A stream's reader and relay; null for a whole answer or an error. */
      private SseReader sse;
      private Relay relay;
      /** A whole answer or an error's body, up to {@link #limit} bytes. */
      private final java.io.ByteArrayOutputStream collected = new java.io.ByteArrayOutputStream();
      private int limit;

      Answer(CompletableFuture<Outcome> outcome, ChunkSink chunks, long budget) {
        this.outcome = outcome;
        this.chunks = chunks;
        this.budget = budget;
      }

      @Override
      public void onStatus(int code) {
        status = code;
        boolean ok = code / 100 == 2;
        sse = ok && stream ? new SseReader(MAX_LINE) : null;
        relay = sse == null ? null : new Relay(chunks, budget);
        // The envelope around the text is small; allow it on top of the budget the text must fit.
        limit = ok ? (int) Math.min(Integer.MAX_VALUE - 16, budget + MAX_ERROR_BODY) : MAX_ERROR_BODY;
      }

      @Override
      public boolean onContent(java.nio.ByteBuffer b) {
        if (outcome.isDone()) {
          return false;
        }
        try {
          if (sse != null) {
            if (!sse.feed(b, relay)) {
              outcome.complete(streamed(true));
              return false;
            }
          } else {
            int n = Math.min(b.remaining(), limit + 1 - collected.size());
            byte[] part = new byte[n];
            b.get(part);
            collected.writeBytes(part);
            if (collected.size() > limit) {
              outcome.complete(status / 100 == 2
                  ? Outcome.execution("upstream answer is larger than the " + budget + " bytes this result may carry")
                  : error());
              return false;
            }
          }
          return true;
        } catch (IOException | RuntimeException e) {
          outcome.complete(failed(e, true));
          return false;
        }
      }

      @Override
      public void onFailure(Throwable cause, boolean answered) {
        outcome.complete(failed(cause, answered));
      }

      @Override
      public void onEnd() {
        if (outcome.isDone()) {
          return;
        }
        try {
          if (status / 100 != 2) {
            outcome.complete(error());
          } else if (sse != null) {
            outcome.complete(streamed(sse.end(relay)));
          } else {
            outcome.complete(whole(collected.toByteArray()));
          }
        } catch (RuntimeException e) {
          outcome.complete(failed(e, true));
        }
      }

      private Outcome error() {
        byte[] b = collected.toByteArray();
        return Outcome.execution(
            "upstream answered " + status + ": " + errorMessage(b.length > MAX_ERROR_BODY ? java.util.Arrays.copyOf(b, MAX_ERROR_BODY) : b));
      }

      private Outcome streamed(boolean stopped) {
        if (relay.failure != null) {
          return relay.failure;
        }
        if (!stopped && relay.finishReason == null) {
          return Outcome.execution("upstream " + base + " ended its stream before [DONE]");
        }
        return done(relay.text.toString(), relay.finishReason, relay.usage, relay.model, budget);
      }

      private Outcome whole(byte[] raw) {
        JsonNode answer;
        try {
          answer = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
          return Outcome.execution("upstream answer is not JSON: " + clip(e.getOriginalMessage()));
        } catch (IOException e) {
          return Outcome.execution("upstream answer could not be read: " + describe(e));
        }
        if (answer == null || !answer.isObject()) {
          return Outcome.execution("upstream answer is not a JSON object");
        }
        if (answer.hasNonNull("error")) {
          return Outcome.execution("upstream error: " + errorText(answer.get("error")));
        }
        JsonNode choice = answer.path("choices").path(0);
        if (choice.isMissingNode()) {
          return Outcome.execution("upstream answer has no choices");
        }
        JsonNode content = isChat ? choice.path("message").path("content") : choice.path("text");
        String text = content.isTextual() ? content.asText() : "";
        return done(text, textOrNull(choice.get("finish_reason")), answer.get("usage"), textOrNull(answer.get("model")), budget);
      }
    }

    /** Turns each event into a tokens chunk at once, and remembers what the result needs. */
    private final class Relay implements SseReader.Handler {
      final ChunkSink chunks;
      final long budget;
      final StringBuilder text = new StringBuilder();
      long textBytes;
      String finishReason;
      JsonNode usage;
      String model;
      Outcome failure;

      Relay(ChunkSink chunks, long budget) {
        this.chunks = chunks;
        this.budget = budget;
      }

      @Override
      public boolean onData(String data) {
        if (data.equals("[DONE]")) {
          return false;
        }
        JsonNode event;
        try {
          event = JSON.readTree(data);
        } catch (JsonProcessingException e) {
          failure = Outcome.execution("upstream sent an event that is not JSON: " + clip(e.getOriginalMessage()));
          return false;
        }
        if (event == null || !event.isObject()) {
          failure = Outcome.execution("upstream sent an event that is not a JSON object");
          return false;
        }
        if (event.hasNonNull("error")) {
          failure = Outcome.execution("upstream error mid-stream: " + errorText(event.get("error")));
          return false;
        }
        if (event.hasNonNull("model")) {
          model = event.get("model").asText();
        }
        if (event.hasNonNull("usage")) {
          usage = event.get("usage");
        }
        JsonNode choice = event.path("choices").path(0);
        JsonNode delta = isChat ? choice.path("delta").path("content") : choice.path("text");
        if (delta.isTextual() && !delta.asText().isEmpty()) {
          byte[] bytes = delta.asText().getBytes(StandardCharsets.UTF_8);
          textBytes += bytes.length;
          if (textBytes > budget) {
            failure = Outcome.execution("upstream answer is larger than the " + budget + " bytes this result may carry");
            return false;
          }
          text.append(delta.asText());
          chunks.send(ChunkSink.TOKENS, bytes, 0, bytes.length);
        }
        String finish = textOrNull(choice.get("finish_reason"));
        if (finish != null) {
          finishReason = finish;
        }
        return true;
      }
    }

    private Outcome done(String text, String finishReason, JsonNode usage, String reportedModel, long budget) {
      ObjectNode out = JSON.createObjectNode().put("text", text);
      if (finishReason == null) {
        out.putNull("finish_reason");
      } else {
        out.put("finish_reason", finishReason);
      }
      JsonNode u = usage == null ? JSON.nullNode() : usage;
      out.putObject("usage")
          .put("prompt_tokens", u.path("prompt_tokens").asLong(0))
          .put("completion_tokens", u.path("completion_tokens").asLong(0))
          .put("total_tokens", u.path("total_tokens").asLong(0));
      out.put("model", reportedModel == null || reportedModel.isEmpty() ? model : reportedModel);
      byte[] bytes;
      try {
        bytes = JSON.writeValueAsBytes(out);
      } catch (JsonProcessingException e) {
        return new Outcome.Failed("internal", "could not encode the answer: " + e.getOriginalMessage());
      }
      if (bytes.length > budget) {
        return Outcome.execution("the answer needs " + bytes.length + " bytes, over the " + budget + " this result may carry");
      }
      Blob blob = Blob.newBuilder().setMediaType("application/json").setData(ByteString.copyFrom(bytes)).build();
      return new Outcome.Ok(List.of(Value.newBuilder().setBlob(blob).build()), "");
    }
  }

  /** The message of an OpenAI-shaped error body, or the start of whatever the body was. */
  private static String errorMessage(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.hasNonNull("error")) {
        return errorText(n.get("error"));
      }
    } catch (IOException e) {
      // Not JSON: the raw text is the best message there is.
    }
    String raw = new String(body, StandardCharsets.UTF_8).strip();
    return raw.isEmpty() ? "(no message)" : clip(raw);
  }

  /** {@code {"error": {"message": ...}}} (OpenAI) or {@code {"error": "..."}} (some servers). */
  private static String errorText(JsonNode error) {
    if (error.isTextual()) {
      return clip(error.asText());
    }
    JsonNode message = error.get("message");
    return clip(message != null && message.isTextual() ? message.asText() : error.toString());
  }

  private static String textOrNull(JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + clip(m));
  }

  private static String clip(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "…";
  }
}
