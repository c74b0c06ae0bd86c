package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.jobs.TensorJson;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How a task's end looks to a client (API.md "Tasks", the result): the answer's text and usage
 * for {@code llm.*}, stdout and artifacts for {@code process.run@1}, tensors for the rest, the
 * worker that served it, and the error of a task that did not succeed. Stateless.
 */
public final class TaskViews {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TaskViews() {}

  /** An artifact of an accepted {@code process.run@1} result. */
  public record Artifact(String name, String mediaType, Blob blob) {}

  /** The task's result view; {@code names} labels peer ids with the names workers gave themselves. */
  public static ObjectNode result(String fullId, TaskStatus t, UnaryOperator<String> names) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", fullId);
    o.put("state", t.state().wireName());
    o.put("operator", t.operator());
    ResultDescriptor r = t.state() == TaskState.SUCCEEDED ? t.result() : null;
    AttemptStatus served = served(t);
    if (served != null) {
      o.putObject("worker").put("peer_id", served.peerId()).put("name", names.apply(served.peerId()));
      o.put("attempt", served.attempt());
      if (served.endedAt() > 0) {
        o.put("duration_ms", Math.max(0, served.endedAt() - served.dispatchedAt()));
      }
    }
    if (r != null) {
      if (Programs.isLlm(t.operator())) {
        llm(o, r);
      } else if (t.operator().equals(Programs.PROCESS)) {
        process(o, fullId, r);
      } else {
        ArrayNode outputs = o.putArray("outputs");
        ResultAssembler.outputNodes(r, TensorJson.Format.VALUES).forEach(outputs::add);
      }
    }
    Optional<ApiException> error = error(fullId, t);
    error.ifPresent(e -> o.putObject("error").put("code", e.code().wireName()).put("message", e.getMessage()));
    return o;
  }

  /**
   * Why a finished task has no result, as the error a synchronous call answers with: failed
   * (502), timed out (504) or cancelled (409). Empty for a succeeded or unfinished task.
   */
  public static Optional<ApiException> error(String fullId, TaskStatus t) {
    String why = t.error() == null || t.error().isEmpty() ? "" : ": " + t.error();
    return switch (t.state()) {
      case FAILED -> {
        AttemptStatus last = t.attempts().isEmpty() ? null : t.attempts().getLast();
        yield Optional.of(
            last != null && last.state() == AttemptState.TIMED_OUT
                ? new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + fullId + " timed out" + why)
                : new ApiException(ApiException.Code.TASK_FAILED, "task " + fullId + " failed" + why));
      }
      case EXPIRED -> Optional.of(new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + fullId + " expired" + why));
      case CANCELLED -> Optional.of(new ApiException(ApiException.Code.CANCELLED, "task " + fullId + " was cancelled" + why));
      default -> Optional.empty();
    };
  }

  /** The parsed answer of an accepted {@code llm.*} result (already checked by the core). */
  public static JsonNode answer(ResultDescriptor r) {
    try {
      return MAPPER.readTree(r.getOutputs(0).getBlob().getData().toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("an accepted llm result is JSON", e);
    }
  }

  /** Artifacts of an accepted result, in the order the worker sent them. */
  public static List<Artifact> artifacts(ResultDescriptor r) {
    List<Artifact> out = new ArrayList<>();
    for (int i = 1; i < r.getOutputsCount(); i++) {
      Value v = r.getOutputs(i);
      if (v.hasBlob() && !v.getBlob().getName().isEmpty()) {
        Blob b = v.getBlob();
        out.add(new Artifact(b.getName(), b.getMediaType().isEmpty() ? "application/octet-stream" : b.getMediaType(), b));
      }
    }
    return out;
  }

  /** The attempt whose result was accepted, else the latest one. */
  private static AttemptStatus served(TaskStatus t) {
    if (t.acceptance() != null) {
      for (AttemptStatus a : t.attempts()) {
        if (a.attempt() == t.acceptance().attempt()) {
          return a;
        }
      }
    }
    return t.attempts().isEmpty() ? null : t.attempts().getLast();
  }

  private static void llm(ObjectNode o, ResultDescriptor r) {
    JsonNode answer = answer(r);
    o.put("text", answer.path("text").asText());
    JsonNode fr = answer.path("finish_reason");
    if (fr.isTextual()) {
      o.put("finish_reason", fr.asText());
    }
    if (answer.path("model").isTextual()) {
      o.put("model", answer.path("model").asText());
    }
    JsonNode usage = answer.path("usage");
    o.putObject("usage")
        .put("prompt_tokens", usage.path("prompt_tokens").asLong())
        .put("completion_tokens", usage.path("completion_tokens").asLong())
        .put("total_tokens", usage.path("total_tokens").asLong());
  }

  private static void process(ObjectNode o, String fullId, ResultDescriptor r) {
    o.put("text", r.getOutputs(0).getBlob().getData().toStringUtf8());
    o.put("exit_code", 0);
    ArrayNode list = o.putArray("artifacts");
    for (Artifact a : artifacts(r)) {
      list.addObject()
          .put("name", a.name())
          .put("size", a.blob().getData().size())
          .put("media_type", a.mediaType())
          .put("sha256", sha256(a.blob()))
          .put("url", "/v1/tasks/" + fullId + "/artifacts/" + encodePath(a.name()));
    }
  }

  private static String encodePath(String name) {
    StringBuilder b = new StringBuilder();
    for (String segment : name.split("/")) {
      if (!b.isEmpty()) {
        b.append('/');
      }
      b.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return b.toString();
  }

  private static String sha256(Blob b) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      b.getData().asReadOnlyByteBufferList().forEach(sha::update);
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
