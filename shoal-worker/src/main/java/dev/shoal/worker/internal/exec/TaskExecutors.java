package dev.shoal.worker.internal.exec;

import dev.shoal.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The executors a worker's config asks for: none, either or both of LLM and process. */
public final class TaskExecutors {

  private TaskExecutors() {}

  /**
   * @param attempts where {@code process.run@1} attempts get their working directories
   */
  public static List<TaskExecutor> configured(WorkerConfig config, Path attempts) {
    List<TaskExecutor> executors = new ArrayList<>();
    if (config.llm() != null) {
      executors.add(new LlmExecutor(config.llm().baseUrl(), config.llm().apiKey(), config.models()));
    }
    if (!config.commands().isEmpty()) {
      executors.add(
          new ProcessExecutor(
              config.commands(),
              new ProcessExecutor.Limits(config.processMemoryBytes(), config.processOutputCap(), config.artifactCap()),
              attempts));
    }
    return List.copyOf(executors);
  }
}
