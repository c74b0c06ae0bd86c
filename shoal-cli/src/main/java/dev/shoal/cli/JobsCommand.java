package dev.shoal.cli;

import dev.shoal.client.Input;
import dev.shoal.client.JobInfo;
import dev.shoal.client.JobRequest;
import dev.shoal.client.JobResult;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.StoredTensor;
import dev.shoal.client.TaskInfo;
import dev.shoal.client.TaskOutput;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
      JobsCommand.MapReduce.class,
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
        "%s  %-9s  %d/%d tasks done (%d succeeded, %d running, %d ready, %d failed, %d cancelled, %d expired%s%s)"
            + "  attempts=%d retries=%d%s%n",
        j.id(), j.state(), p.finished(), p.total(), p.succeeded(), p.running() + p.validating(), p.ready(), p.failed(),
        p.cancelled(), p.expired(),
        p.waiting() == 0 ? "" : ", " + p.waiting() + " waiting for inputs",
        p.awaitingConfirmation() == 0 ? "" : ", " + p.awaitingConfirmation() + " awaiting confirmation",
        j.attempts(), j.retries(), j.error() == null ? "" : "  error: " + j.error());
  }

  /**
   * One output as text: {@code int32[128] = [1, 2, 3, …]}, or {@code float32[2048, 256] in
   * sha256:…@0} for one kept in the data service.
   */
  static String describe(TaskOutput o) {
    String spec = o.dtype().wireName() + Arrays.toString(o.shape().dims());
    return switch (o) {
      case TaskOutput.Inline i -> spec + " = " + preview(i.tensor());
      case StoredTensor s -> spec + " in " + s.blob() + "@" + s.offset();
    };
  }

  private static String preview(Tensor t) {
    int n = (int) Math.min(t.elementCount(), 4);
    List<String> first = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      first.add(t.dtype() == DType.INT32 ? String.valueOf(t.getInt(i)) : String.valueOf(t.getFloat(i)));
    }
    return "[" + String.join(", ", first) + (t.elementCount() > n ? ", …]" : "]");
  }

  /**
   * One output as JSON: an inline tensor as {dtype, shape, values} (the SDK's Tensor is not a
   * bean), one kept in the data service as the reference a job takes, {dtype, shape, blob, offset}.
   */
  static Map<String, Object> outputJson(TaskOutput o) {
    return switch (o) {
      case TaskOutput.Inline i -> Task.tensor(i.tensor());
      case StoredTensor s -> {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("dtype", s.dtype().wireName());
        ref.put("shape", s.shape().dims());
        ref.put("blob", s.blob());
        ref.put("offset", s.offset());
        yield ref;
      }
    };
  }

  static List<Map<String, Object>> outputsJson(List<TaskOutput> outputs) {
    return outputs.stream().map(JobsCommand::outputJson).toList();
  }

  /** Submits a job from a JSON file. */
  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {"Submits a job described in JSON: tasks, matmul, batch or map_reduce (API.md \"Jobs\").",
          "FILE '-' reads stdin."})
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
              ? new String(Main.stdin(spec).readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file));
      try (ShoalClient c = client.connect()) {
        return submitted(spec, client, c, c.jobs().submitJson(body), await, timeout);
      }
    }
  }

  /** Prints a submitted job's id, or with {@code await} waits for it and prints how it ended; the exit code. */
  static int submitted(CommandSpec spec, ClientOptions client, ShoalClient c, String id, boolean await, Duration timeout) {
    PrintWriter out = spec.commandLine().getOut();
    if (!await) {
      out.println(client.json ? ClientOptions.toJson(Map.of("id", id)) : id);
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

  /** Submits a map-reduce over a blob in the data service, without writing its JSON. */
  @Command(
      name = "map-reduce",
      mixinStandardHelpOptions = true,
      description = {
        "Submits a map-reduce over a stored blob read as one tensor: the map operator runs on",
        "each --chunk-rows rows (tasks map-0000, ...), the binary --reduce operator combines",
        "their outputs pairwise into task 'result'. Each worker fetches only its own rows.",
        "  shoal jobs map-reduce --blob sha256:... --dtype int32 --shape 65536,128 \\",
        "      --chunk-rows 4096 --map tensor.reduce_sum@1 --map-attr axis=0 --reduce tensor.add@1 --wait",
        "'jobs submit' takes any job as JSON."
      })
  static final class MapReduce implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Option(names = "--blob", required = true, paramLabel = "DIGEST", description = "The stored input: sha256:<hex> ('blobs put' prints it).")
    String blob;

    @Option(names = "--dtype", required = true, paramLabel = "DTYPE", description = "Its element type: int32, float32 or float16.")
    String dtype;

    @Option(names = "--shape", required = true, split = ",", paramLabel = "DIM", description = "Its shape, rows first: 65536,128.")
    int[] shape;

    @Option(names = "--offset", defaultValue = "0", paramLabel = "BYTES", description = "Where in the blob it starts (default: 0).")
    long offset;

    @Option(names = "--chunk-rows", paramLabel = "N", description = "Rows per map task (default: all rows, one map task).")
    Integer chunkRows;

    @Option(names = "--map", required = true, paramLabel = "OPERATOR", description = "The map operator, e.g. tensor.reduce_sum@1.")
    String map;

    @Option(names = "--map-attr", paramLabel = "NAME=VALUE",
        description = "An attribute of the map operator (repeatable): an integer, a number, integers joined by commas, or text.")
    List<String> mapAttributes = new ArrayList<>();

    @Option(names = "--reduce", required = true, paramLabel = "OPERATOR", description = "The binary reduce operator, e.g. tensor.add@1.")
    String reduce;

    @Option(names = "--wait", description = "Wait until the job finishes and print its final status.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
      StoredTensor input = Input.blob(blob, DType.fromWireName(dtype.strip().toLowerCase(Locale.ROOT)), shape(shape), offset);
      int rows = shape.length == 0 ? 1 : shape[0];
      JobRequest job =
          JobRequest.mapReduce(
              input, chunkRows == null ? rows : chunkRows, map, attributes(mapAttributes, "--map-attr"), reduce);
      try (ShoalClient c = client.connect()) {
        return submitted(spec, client, c, c.jobs().submit(job), await, timeout);
      }
    }

    private static Shape shape(int[] dims) {
      try {
        return Shape.of(dims);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--shape: " + e.getMessage(), e);
      }
    }

    /**
     * {@code NAME=VALUE}s as tensor attributes: an integer is a {@code Long}, a number a {@code
     * Double}, integers joined by commas a {@code long[]}, anything else text.
     */
    static Map<String, Object> attributes(List<String> pairs, String option) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (String pair : pairs) {
        int eq = pair.indexOf('=');
        if (eq < 1) {
          throw new IllegalArgumentException(option + " takes NAME=VALUE, got '" + pair + "'");
        }
        String value = pair.substring(eq + 1).strip();
        Object v;
        if (value.matches("-?[0-9]{1,18}")) {
          v = Long.parseLong(value);
        } else if (value.matches("-?[0-9]{1,18}(,-?[0-9]{1,18})+")) {
          v = Arrays.stream(value.split(",")).mapToLong(Long::parseLong).toArray();
        } else if (value.matches("-?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+")) {
          v = Double.parseDouble(value);
        } else {
          v = value;
        }
        out.put(pair.substring(0, eq).strip(), v);
      }
      return out;
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

  /** Prints a finished job's result, or with --partial what a job has so far. */
  @Command(
      name = "result",
      mixinStandardHelpOptions = true,
      description = {
        "Prints a finished job's result (JSON, tensors as base64).",
        "--partial: what the job has so far, at any time and however it ended: one line per task",
        "(state, outputs, error); --json or --out for the same as JSON."
      })
  static final class Result implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String id;

    @Option(names = "--out", description = "Write the result to FILE instead of standard output.")
    Path outFile;

    @Option(names = "--partial", description = "Each task's state and the outputs accepted so far, even while the job runs or after it failed.")
    boolean partial;

    @Override
    public Integer call() throws Exception {
      try (ShoalClient c = client.connect()) {
        String text;
        if (partial) {
          JobResult r = c.jobs().partialResult(id);
          if (!client.json && outFile == null) {
            print(spec.commandLine().getOut(), r);
            return 0;
          }
          text = ClientOptions.toJson(asJson(r));
        } else {
          text = ClientOptions.JSON.writeValueAsString(c.jobs().result(id));
        }
        if (outFile != null) {
          Files.writeString(outFile, text + "\n");
        } else {
          spec.commandLine().getOut().println(text);
        }
        return 0;
      }
    }

    static void print(PrintWriter out, JobResult r) {
      out.printf("%s  %s  (partial: %d of %d tasks succeeded)%n", r.jobId(), r.state(),
          r.tasks().stream().filter(JobResult.Task::succeeded).count(), r.tasks().size());
      for (JobResult.Task t : r.tasks()) {
        List<String> outputs = t.outputs().stream().map(JobsCommand::describe).toList();
        String line = String.format("  %-16s %-10s %s%s", t.id(), t.state(), String.join(", ", outputs),
            t.error() == null ? "" : "  error: " + t.error());
        out.println(line.stripTrailing());
      }
    }

    /** The partial result as JSON, tensors as {dtype, shape, values} and stored ones as the reference a job takes. */
    static Map<String, Object> asJson(JobResult r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("job_id", r.jobId());
      m.put("state", r.state());
      m.put("partial", r.partial());
      m.put("tasks", r.tasks().stream().map(t -> {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("id", t.id());
        task.put("state", t.state());
        task.put("outputs", outputsJson(t.outputs()));
        task.put("error", t.error());
        return task;
      }).toList());
      return m;
    }
  }

  /** Shows one task: attempts, how its result was accepted, and any results kept for confirmation. */
  @Command(
      name = "task",
      mixinStandardHelpOptions = true,
      description = {
        "Shows one task (JOB.TASK): its attempts, how its result was accepted (policy, checks, agreeing",
        "workers), its outputs and, under manual acceptance, the valid results kept for 'jobs confirm'.",
        "An output over 1 MiB is kept in the data service and shown as its blob and offset ('blobs get')."
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
      printOutputs(out, "  ", t.outputs());
      for (TaskInfo.KeptResult r : t.keptResults()) {
        out.printf("  kept result: attempt %d from %s%n", r.attempt(), r.peerId());
        printChecks(out, r.checks());
        printOutputs(out, "    ", r.outputs());
      }
    }

    /** {@code output 0  int32[2] = [3, 4]}, or its blob reference for one kept in the data service. */
    private static void printOutputs(PrintWriter out, String indent, List<TaskOutput> outputs) {
      for (int i = 0; i < outputs.size(); i++) {
        out.printf("%soutput %d  %s%n", indent, i, describe(outputs.get(i)));
      }
    }

    /** The task as JSON, tensors as {dtype, shape, values} and stored ones as {dtype, shape, blob, offset}. */
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
                  "outputs", outputsJson(r.outputs())))
              .toList());
      m.put("outputs", outputsJson(t.outputs()));
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
