package dev.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.JobInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Client actions on jobs. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "Submits, inspects and cancels jobs.",
    subcommands = {
      JobsCommand.Submit.class,
      JobsCommand.Status.class,
      JobsCommand.Result.class,
      JobsCommand.Cancel.class,
      JobsCommand.Task.class,
      JobsCommand.Confirm.class
    })
final class JobsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static void printJob(PrintWriter out, JobInfo j) {
    JobInfo.Progress p = j.tasks();
    out.printf(
        "%s  %-9s  %d/%d tasks done (%d succeeded, %d running, %d ready, %d failed, %d cancelled, %d expired%s)"
            + "  attempts=%d retries=%d%s%n",
        j.id(), j.state(), p.finished(), p.total(), p.succeeded(), p.running() + p.validating(), p.ready(), p.failed(),
        p.cancelled(), p.expired(),
        p.awaitingConfirmation() == 0 ? "" : ", " + p.awaitingConfirmation() + " awaiting confirmation",
        j.attempts(), j.retries(), j.error() == null ? "" : "  error: " + j.error());
  }

  /** Submits a job from a JSON file. */
  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {"Submits a job described in JSON (a task list or a matmul; see the README).", "FILE '-' reads stdin."})
  static final class Submit implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The job as JSON, or - for standard input.")
    String file;

    @Option(names = "--wait", description = "Wait until the job finishes and print its final status.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      String body =
          "-".equals(file)
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file));
      PrintWriter out = spec.commandLine().getOut();
      try (ShoalClient c = client.connect()) {
        String id = c.jobs().submitJson(body);
        if (!await) {
          out.println(client.json ? ClientOptions.toJson(java.util.Map.of("id", id)) : id);
          return 0;
        }
        JobInfo done = c.jobs().await(id, timeout);
        if (client.json) {
          out.println(ClientOptions.toJson(done));
        } else {
          printJob(out, done);
        }
        return done.succeeded() ? 0 : 1;
      }
    }
  }

  /** Shows a job's status. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a job's state and progress.")
  static final class Status implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String id;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        JobInfo j = c.jobs().get(id);
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(j));
        } else {
          printJob(out, j);
        }
        return 0;
      }
    }
  }

  /** Prints a finished job's result. */
  @Command(
      name = "result",
      mixinStandardHelpOptions = true,
      description = "Prints a finished job's result (JSON; tensors as base64 unless --values).")
  static final class Result implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String id;

    @Option(names = "--out", description = "Write the result to FILE instead of standard output.")
    Path outFile;

    @Override
    public Integer call() throws Exception {
      try (ShoalClient c = client.connect()) {
        JsonNode result = c.jobs().result(id);
        String text = ClientOptions.JSON.writeValueAsString(result);
        if (outFile != null) {
          Files.writeString(outFile, text + "\n");
        } else {
          spec.commandLine().getOut().println(text);
        }
        return 0;
      }
    }
  }

  /** Shows one task: attempts, how its result was accepted, and any results kept for confirmation. */
  @Command(
      name = "task",
      mixinStandardHelpOptions = true,
      description = {
        "Shows one task (JOB.TASK): its attempts, how its result was accepted (policy, checks, agreeing",
        "workers) and, under manual acceptance, the valid results kept for 'jobs confirm'."
      })
  static final class Task implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB.TASK", description = "The task id (job id, '.', task id).")
    String id;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        TaskInfo t = c.tasks().status(id);
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(asJson(t)));
        } else {
          print(out, t);
        }
        return 0;
      }
    }

    /** A task's state, attempts, acceptance and kept results, as 'jobs task' and 'tasks status' show it. */
    static void print(PrintWriter out, TaskInfo t) {
      out.printf("%s  %s  %s  policy=%s%s%n", t.id(), t.operator(), t.state(), t.acceptancePolicy(),
          t.error() == null ? "" : "  error: " + t.error());
      for (TaskInfo.Attempt a : t.attempts()) {
        out.printf("  attempt %d  %-10s  %s  %s%n", a.attempt(), a.state(), a.peerId(), a.detail());
      }
      if (t.acceptance() != null) {
        TaskInfo.Acceptance a = t.acceptance();
        out.printf("  accepted: attempt %d from %s (%s)%s%n", a.attempt(), a.peerId(), a.decidedBy(),
            a.agreeing().isEmpty() ? "" : ", agreed by " + String.join(", ", a.agreeing()));
        printChecks(out, a.checks());
      }
      for (TaskInfo.KeptResult r : t.keptResults()) {
        out.printf("  kept result: attempt %d from %s%n", r.attempt(), r.peerId());
        printChecks(out, r.checks());
      }
    }

    /** The task as JSON, tensors as {dtype, shape, values} (the SDK's Tensor is not a bean). */
    static java.util.Map<String, Object> asJson(TaskInfo t) {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("id", t.id());
      m.put("operator", t.operator());
      m.put("state", t.state());
      m.put("acceptance_policy", t.acceptancePolicy());
      m.put("error", t.error());
      m.put("attempts", t.attempts());
      m.put("acceptance", t.acceptance());
      m.put("kept_results",
          t.keptResults().stream()
              .map(r -> java.util.Map.of(
                  "attempt", r.attempt(), "peer_id", r.peerId(), "checks", r.checks(),
                  "outputs", r.outputs().stream().map(Task::tensor).toList()))
              .toList());
      m.put("outputs", t.outputs().stream().map(Task::tensor).toList());
      return m;
    }

    static java.util.Map<String, Object> tensor(dev.shoal.operators.Tensor x) {
      Object values = x.dtype() == dev.shoal.operators.DType.INT32 ? x.toIntArray() : x.toFloatArray();
      return java.util.Map.of("dtype", x.dtype().wireName(), "shape", x.shape().dims(), "values", values);
    }

    private static void printChecks(PrintWriter out, java.util.List<TaskInfo.Check> checks) {
      for (TaskInfo.Check k : checks) {
        String effort = k.rounds() > 0 ? " rounds=" + k.rounds() : k.samples() > 0 ? " samples=" + k.samples() : "";
        out.printf("    check  attempt %d  %-18s %s%s%s%n", k.attempt(), k.method(), k.passed() ? "passed" : "FAILED",
            effort, k.detail().isEmpty() ? "" : "  " + k.detail());
      }
    }
  }

  /** Confirms one kept result of a task under manual acceptance. */
  @Command(
      name = "confirm",
      mixinStandardHelpOptions = true,
      description = {
        "Under manual acceptance, makes the kept result of ATTEMPT the task's result.",
        "'jobs task JOB.TASK' lists the kept results."
      })
  static final class Confirm implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB.TASK", description = "The task id (job id, '.', task id).")
    String id;

    @Parameters(index = "1", paramLabel = "ATTEMPT", description = "The attempt whose result to accept.")
    int attempt;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        c.tasks().confirm(id, attempt);
        spec.commandLine().getOut().println(
            client.json
                ? ClientOptions.toJson(java.util.Map.of("id", id, "state", "succeeded", "attempt", attempt))
                : id + " confirmed attempt " + attempt);
        return 0;
      }
    }
  }

  /** Cancels a job, or one task of it. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = {
        "Cancels every unfinished task of a job (JOB), or one task (JOB.TASK).",
        "Running attempts are told to stop."
      })
  static final class Cancel implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB[.TASK]", description = "The job id, or a task id (job id, '.', task id).")
    String id;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        if (id.contains(".")) {
          c.tasks().cancel(id);
        } else {
          c.jobs().cancel(id);
        }
        spec.commandLine().getOut().println(client.json ? ClientOptions.toJson(java.util.Map.of("id", id, "state", "cancelled")) : id + " cancelled");
        return 0;
      }
    }
  }
}
