package dev.shoal.orchestrator.internal.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one webhook event, {@code task.finished} (API.md "Webhooks"). {@code id} is the event's id,
 * repeated in the {@code Shoal-Webhook-Id} header; {@code state} is the task's API state
 * ({@code succeeded}, {@code failed}, {@code cancelled}, ...); {@code error} is null unless it failed.
 */
public record TaskFinishedEvent(String id, String task, String state, TaskError error, long createdAt) {

  /** Why a task did not succeed, as in the API's error envelope. */
  public record TaskError(String code, String message) {
    public TaskError {
      if (code == null || code.isBlank()) {
        throw new IllegalArgumentException("a task error needs a code");
      }
      message = message == null ? "" : message;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The body as sent; fixed once, so every retry sends (and signs) the same bytes. */
  public String toJson() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("type", "task.finished");
    body.put("task", task);
    body.put("state", state);
    body.put("result_url", "/v1/tasks/" + task + "/result");
    Map<String, Object> err = null;
    if (error != null) {
      err = new LinkedHashMap<>();
      err.put("code", error.code());
      err.put("message", error.message());
    }
    body.put("error", err);
    body.put("created_at", createdAt);
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("strings and numbers always serialise", e);
    }
  }
}
