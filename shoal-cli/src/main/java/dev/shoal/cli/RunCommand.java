package dev.shoal.cli;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.StoredTensor;
import dev.shoal.client.TaskOutput;
import dev.shoal.client.TaskResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs one task and waits for its checked result: the quickest way to use the mesh. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one task on one worker and prints its output once it was checked.",
      "  shoal run --model llama3.2 \"Draft a leave policy\"",
      "  shoal run --command summarise --stdin-file report.txt --artifacts-dir out",
      "  shoal run --operator llm.complete@1 --model llama3.2 \"Once upon a time\"",
      "Nothing is queued: when every matching worker is full it fails at once",
      "(exit 75); 'shoal tasks submit' queues."
    })
final class RunCommand implements Callable<Integer> {

  @Mixin ClientOptions client;
  @Mixin TaskOptions task;
  @Spec CommandSpec spec;

  @Option(names = "--artifacts-dir", paramLabel = "DIR",
      description = "Download the files the task left into DIR (never outside it, never over an existing file).")
  Path artifactsDir;

  @Override
  public Integer call() {
    try (ShoalClient c = client.connect()) {
      TaskResult r = c.tasks().run(task.request(c, Main.stdin(spec)));
      return print(spec, c, r, client.json, artifactsDir);
    }
  }

  /**
   * Prints a task's result as {@code run} and {@code tasks result} show it, downloading its
   * artifacts into {@code artifactsDir} if given; returns the exit code (1 for a failed task).
   */
  static int print(CommandSpec spec, ShoalClient c, TaskResult r, boolean json, Path artifactsDir) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Path> files =
        artifactsDir != null && r.succeeded() && !r.artifacts().isEmpty()
            ? c.tasks().downloadArtifacts(r.id(), artifactsDir)
            : List.of();
    if (json) {
      Map<String, Object> m = asJson(r);
      if (artifactsDir != null) {
        m.put("downloaded", files.stream().map(Path::toString).toList());
      }
      out.println(ClientOptions.toJson(m));
    } else if (!r.succeeded()) {
      TaskResult.TaskError e = r.error();
      err.println("shoal: task " + r.id() + " " + r.state() + (e == null ? "" : ": " + e.message() + " [" + e.code() + "]"));
    } else if (r.text() != null) {
      out.print(r.text());
      if (!r.text().endsWith("\n")) {
        out.println();
      }
    } else if (!r.outputs().isEmpty()) {
      out.println(ClientOptions.toJson(JobsCommand.outputsJson(r.outputs())));
    }
    out.flush();
    if (!json && r.succeeded()) {
      // On stderr, like the artifacts note: how to fetch what the result only names.
      for (TaskOutput o : r.outputs()) {
        if (o instanceof StoredTensor s && s.byteSize() > 0) {
          err.printf("output %s is kept in the data service: shoal blobs get %s --range %d-%d -o FILE%n",
              JobsCommand.describe(s), s.blob(), s.offset(), s.offset() + s.byteSize() - 1);
        }
      }
    }
    if (!json && !r.artifacts().isEmpty()) {
      // On stderr: stdout stays the output alone, for pipes.
      err.println(artifactsDir != null
          ? "wrote " + files.size() + " artifact file(s) to " + artifactsDir
          : r.artifacts().size() + " artifact file(s); --artifacts-dir DIR downloads them");
    }
    return r.succeeded() ? 0 : 1;
  }

  /**
   * The result with snake_case keys, tensors as {dtype, shape, values} (the SDK's Tensor is no
   * bean) and those kept in the data service as {dtype, shape, blob, offset}.
   */
  static Map<String, Object> asJson(TaskResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("state", r.state());
    m.put("operator", r.operator());
    m.put("worker", r.worker());
    m.put("attempt", r.attempt());
    m.put("duration_ms", r.duration() == null ? null : r.duration().toMillis());
    m.put("text", r.text());
    m.put("finish_reason", r.finishReason());
    m.put("model", r.model());
    m.put("usage", r.usage());
    m.put("exit_code", r.exitCode());
    m.put("outputs", JobsCommand.outputsJson(r.outputs()));
    m.put("artifacts", r.artifacts());
    m.put("error", r.error());
    m.values().removeIf(java.util.Objects::isNull); // as the API: what does not apply is left out
    return m;
  }
}
