package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The answer of {@code POST /v1/tasks/run} (the result, or Shoal's error envelope) or {@code POST
 * /v1/tasks/stream} (events {@code started}, {@code chunk}…, then {@code result} or {@code
 * error}), in API.md's shapes.
 */
final class TaskAnswer extends Answer {

  private final boolean stream;
  private final UnaryOperator<String> workerName;

  /**
   * @param workerName a peer id's worker name, for the result's view
   * @param onGone what to do when the client leaves before the end: cancel the task
   */
  TaskAnswer(ObjectMapper mapper, String taskId, boolean stream, UnaryOperator<String> workerName, Runnable onGone) {
    super(mapper, taskId, onGone);
    this.stream = stream;
    this.workerName = workerName;
    if (stream) {
      openStream();
    }
  }

  @Override
  public void started(int attempt, String peerId, String worker) {
    if (stream && open()) {
      ObjectNode o = mapper.createObjectNode().put("id", taskId);
      o.putObject("worker").put("peer_id", peerId).put("name", worker);
      o.put("attempt", attempt);
      reply.send(event("started", o));
    }
  }

  @Override
  public void chunk(int attempt, String channel, ByteString data) {
    if (stream && open()) {
      ObjectNode o = mapper.createObjectNode().put("attempt", attempt).put("channel", channel).put("text", data.toStringUtf8());
      reply.send(event("chunk", o));
    }
  }

  @Override
  protected void succeed(TaskStatus status) {
    JsonNode result = TaskViews.result(taskId, status, workerName);
    if (stream) {
      reply.send(event("result", result));
      reply.end();
    } else {
      reply.reply(200, JSON, bytes(result), "Shoal-Task-Id", taskId);
    }
  }

  @Override
  protected void fail(ApiException e) {
    ObjectNode o = mapper.createObjectNode();
    if (stream) {
      o.put("id", taskId);
    }
    o.putObject("error").put("code", e.code().wireName()).put("message", e.getMessage());
    if (stream) {
      reply.send(event("error", o));
      reply.end();
    } else {
      replyError(e, bytes(o));
    }
  }

  /** One named server-sent event: {@code event: <name>}, {@code data: <json>}, a blank line. */
  private byte[] event(String name, JsonNode json) {
    return ("event: " + name + "\ndata: " + new String(bytes(json), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
