package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import java.nio.charset.StandardCharsets;

/**
 * One OpenAI request's answer, rendered from its task's events as they come: a {@code
 * chat.completion} (or {@code text_completion}) once the task ends, or, streamed, a {@code
 * chat.completion.chunk} per token, the finish reason, the usage if asked for and {@code [DONE]}.
 */
final class OpenAiAnswer extends Answer {

  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  /** What the client asked for, and the names the answer carries. */
  record Request(
      String taskId, String openAiId, boolean chat, boolean stream, boolean includeUsage, String model, long created) {}

  private final Request req;
  private boolean roleSent;

  /** @param onGone what to do when the client leaves before the end: cancel the task */
  OpenAiAnswer(ObjectMapper mapper, Request req, Runnable onGone) {
    super(mapper, req.taskId(), onGone);
    this.req = req;
    if (req.stream()) {
      openStream();
    }
  }

  @Override
  public void chunk(int attempt, String channel, ByteString data) {
    if (!req.stream() || !channel.equals("tokens") || !open()) {
      return;
    }
    ObjectNode chunk = head(req.chat() ? "chat.completion.chunk" : "text_completion", req.model());
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    if (req.chat()) {
      ObjectNode delta = choice.putObject("delta");
      if (!roleSent) {
        delta.put("role", "assistant");
        roleSent = true;
      }
      delta.put("content", data.toStringUtf8());
    } else {
      choice.put("text", data.toStringUtf8());
    }
    choice.putNull("finish_reason");
    reply.send(event(chunk));
  }

  @Override
  protected void succeed(TaskStatus status) {
    JsonNode answer = TaskViews.answer(status.result());
    if (req.stream()) {
      finishStream(answer);
    } else {
      whole(answer, status.acceptance() == null ? "" : status.acceptance().peer());
    }
  }

  private void whole(JsonNode answer, String worker) {
    ObjectNode out = head(req.chat() ? "chat.completion" : "text_completion", answer.path("model").asText(req.model()));
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    if (req.chat()) {
      choice.putObject("message").put("role", "assistant").put("content", answer.path("text").asText());
    } else {
      choice.put("text", answer.path("text").asText());
      choice.putNull("logprobs");
    }
    finishReason(choice, answer);
    out.set("usage", usage(answer));
    reply.reply(200, JSON, bytes(out), "Shoal-Task-Id", req.taskId(), "Shoal-Worker", worker);
  }

  /** The last chunk (finish reason), the usage chunk if asked for, then [DONE]. */
  private void finishStream(JsonNode answer) {
    String object = req.chat() ? "chat.completion.chunk" : "text_completion";
    String served = answer.path("model").asText(req.model());
    ObjectNode last = head(object, served);
    ObjectNode choice = last.putArray("choices").addObject().put("index", 0);
    if (req.chat()) {
      choice.putObject("delta");
    } else {
      choice.put("text", "");
    }
    finishReason(choice, answer);
    reply.send(event(last));
    if (req.includeUsage()) {
      ObjectNode u = head(object, served);
      u.putArray("choices");
      u.set("usage", usage(answer));
      reply.send(event(u));
    }
    reply.send(event(DONE));
    reply.end();
  }

  /** OpenAI's envelope as the whole answer, or as the stream's last event. */
  @Override
  protected void fail(ApiException e) {
    byte[] envelope = bytes(OpenAiRoutes.envelope(mapper, e));
    if (req.stream()) {
      reply.send(event(envelope));
      reply.end();
    } else {
      replyError(e, envelope);
    }
  }

  private ObjectNode head(String object, String model) {
    return mapper.createObjectNode()
        .put("id", req.openAiId())
        .put("object", object)
        .put("created", req.created())
        .put("model", model);
  }

  private static void finishReason(ObjectNode choice, JsonNode answer) {
    JsonNode fr = answer.path("finish_reason");
    choice.put("finish_reason", fr.isTextual() ? fr.asText() : "stop");
  }

  private ObjectNode usage(JsonNode answer) {
    JsonNode u = answer.path("usage");
    return mapper.createObjectNode()
        .put("prompt_tokens", u.path("prompt_tokens").asLong())
        .put("completion_tokens", u.path("completion_tokens").asLong())
        .put("total_tokens", u.path("total_tokens").asLong());
  }

  private byte[] event(JsonNode json) {
    return event(bytes(json));
  }

  /** One server-sent event: {@code data: <payload>} and a blank line. */
  private static byte[] event(byte[] payload) {
    byte[] e = new byte[DATA.length + payload.length + 2];
    System.arraycopy(DATA, 0, e, 0, DATA.length);
    System.arraycopy(payload, 0, e, DATA.length, payload.length);
    e[e.length - 2] = '\n';
    e[e.length - 1] = '\n';
    return e;
  }
}
