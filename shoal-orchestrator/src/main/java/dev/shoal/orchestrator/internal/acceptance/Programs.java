package dev.shoal.orchestrator.internal.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.protocol.ArtifactNames;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Results of programs ({@code llm.*}, {@code process.run@1}): what the owner's model or command
 * printed cannot be recomputed here, so a result is held to its shape (PROTOCOL.md "Operators
 * beyond tensors") and to what the attempt streamed. Two results agree only when their outputs
 * are byte-identical. Stateless and thread-safe.
 */
public final class Programs {

  public static final String CHAT = "llm.chat@1";
  public static final String COMPLETE = "llm.complete@1";
  public static final String PROCESS = "process.run@1";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Programs() {}

  public static boolean isProgram(String operator) {
    return operator.equals(CHAT) || operator.equals(COMPLETE) || operator.equals(PROCESS);
  }

  public static boolean isLlm(String operator) {
    return operator.equals(CHAT) || operator.equals(COMPLETE);
  }

  /** Whether the task asked its worker to stream output chunks. */
  public static boolean streams(TaskDescriptor task) {
    AttributeValue v = task.getAttributesMap().get("stream");
    return v != null && v.hasIntValue() && v.getIntValue() == 1;
  }

  /** Null if the result is well formed and consistent with what the attempt streamed; otherwise why not. */
  public static String check(TaskDescriptor task, ResultDescriptor r, StreamedOutput streamed) {
    String op = task.getOperator();
    if (isLlm(op)) {
      return checkLlm(task, r, streamed);
    }
    if (op.equals(PROCESS)) {
      return checkProcess(task, r, streamed);
    }
    return "not a program: " + op;
  }

  /** Whether two results carry the same outputs, byte for byte. */
  public static boolean agree(ResultDescriptor a, ResultDescriptor b) {
    if (a.getOutputsCount() != b.getOutputsCount()) {
      return false;
    }
    for (int i = 0; i < a.getOutputsCount(); i++) {
      if (!Arrays.equals(ResultSignatures.outputDigest(a.getOutputs(i)), ResultSignatures.outputDigest(b.getOutputs(i)))) {
        return false;
      }
    }
    return true;
  }

  private static String checkLlm(TaskDescriptor task, ResultDescriptor r, StreamedOutput streamed) {
    if (r.getOutputsCount() != 1 || !r.getOutputs(0).hasBlob()) {
      return "expected one JSON blob, got " + r.getOutputsCount() + " outputs";
    }
    Blob b = r.getOutputs(0).getBlob();
    if (!b.getName().isEmpty()) {
      return "the answer must not be named like an artifact";
    }
    JsonNode answer;
    try {
      answer = MAPPER.readTree(b.getData().toByteArray());
    } catch (IOException e) {
      return "the answer is not JSON: " + e.getMessage();
    }
    if (answer == null || !answer.isObject() || !answer.path("text").isTextual()) {
      return "the answer must be an object with a string \"text\"";
    }
    JsonNode fr = answer.path("finish_reason");
    if (!fr.isMissingNode() && !fr.isNull() && !fr.isTextual()) {
      return "finish_reason must be a string";
    }
    JsonNode usage = answer.path("usage");
    if (!usage.isObject()) {
      return "the answer has no usage object";
    }
    for (String f : new String[] {"prompt_tokens", "completion_tokens", "total_tokens"}) {
      JsonNode n = usage.path(f);
      if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
        return "usage." + f + " must be a non-negative integer";
      }
    }
    if (streams(task) && streamed != null && !streamed.isEmpty()) {
      if (!streamed.comparable()) {
        return streamed.hasGap() ? "streamed chunks arrived out of sequence" : null;
      }
      byte[] text = answer.path("text").asText().getBytes(StandardCharsets.UTF_8);
      if (!Arrays.equals(text, streamed.text())) {
        return "the streamed tokens (" + streamed.text().length + " bytes) differ from the answer's text ("
            + text.length + " bytes)";
      }
    }
    return null;
  }

  private static String checkProcess(TaskDescriptor task, ResultDescriptor r, StreamedOutput streamed) {
    if (r.getOutputsCount() < 1) {
      return "expected stdout as the first output";
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < r.getOutputsCount(); i++) {
      Value v = r.getOutputs(i);
      if (!v.hasBlob()) {
        return "output " + i + " is not a blob";
      }
      String name = v.getBlob().getName();
      if (i == 0) {
        if (!name.isEmpty()) {
          return "stdout must not be named like an artifact";
        }
        continue;
      }
      String problem = ArtifactNames.problem(name);
      if (problem != null) {
        return "artifact " + i + " " + problem;
      }
      if (!names.add(name)) {
        return "two artifacts are named '" + name + "'";
      }
    }
    if (streams(task) && streamed != null && !streamed.isEmpty()) {
      if (!streamed.comparable()) {
        return streamed.hasGap() ? "streamed chunks arrived out of sequence" : null;
      }
      // stdout may have been capped after streaming: what is kept must be what was streamed, as far as it goes.
      byte[] kept = r.getOutputs(0).getBlob().getData().toByteArray();
      byte[] sent = streamed.text();
      if (kept.length > sent.length || !Arrays.equals(kept, 0, kept.length, sent, 0, kept.length)) {
        return "stdout (" + kept.length + " bytes) is not what was streamed (" + sent.length + " bytes)";
      }
    }
    return null;
  }
}
