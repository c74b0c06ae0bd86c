package dev.shoal.client;

import java.time.Duration;
import java.util.List;

/**
 * What a task produced, after it was checked (API.md, "The result"). {@code text} is the model's
 * answer ({@code llm.*}) or stdout ({@code process.run@1}); {@code outputs} are the tensors of a
 * tensor operator, inline ({@link TaskOutput.Inline}) or, over 1 MiB, kept in the data service
 * ({@link StoredTensor}; {@link Blobs#readTensor(TaskOutput)} reads either); {@code artifacts}
 * the files a process left (fetch them with {@code tasks().artifact} or {@code
 * tasks().downloadArtifacts}). Fields that do not apply to the
 * operator are null (or empty lists). {@code error} is set, and {@code state} is {@code failed},
 * only for a failed task read with {@code tasks().result(id)}.
 *
 * @param worker the worker whose attempt was accepted (null if none was)
 * @param attempt that attempt's number, from 1
 */
public record TaskResult(
    String id,
    String state,
    String operator,
    WorkerRef worker,
    int attempt,
    Duration duration,
    String text,
    String finishReason,
    String model,
    Usage usage,
    Integer exitCode,
    List<TaskOutput> outputs,
    List<Artifact> artifacts,
    TaskError error) {

  public TaskResult {
    outputs = List.copyOf(outputs);
    artifacts = List.copyOf(artifacts);
  }

  public boolean succeeded() {
    return "succeeded".equals(state);
  }

  /** The worker that served an attempt: its peer id (verified) and self-declared name. */
  public record WorkerRef(String peerId, String name) {}

  /** Tokens as the upstream model server counted them. */
  public record Usage(long promptTokens, long completionTokens, long totalTokens) {}

  /**
   * A file the task left: {@code name} is its relative path, {@code url} the API path of its
   * bytes, {@code sha256} their hex digest.
   */
  public record Artifact(String name, long size, String mediaType, String sha256, String url) {}

  /** Why a task failed: an API.md error code and a message. */
  public record TaskError(String code, String message) {}
}
