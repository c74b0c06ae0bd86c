package dev.shoal.cli;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskHandle;
import dev.shoal.client.TaskInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Single tasks by id: the ones 'run' and 'chat' ran, or queued ones ('tasks submit'). */
@Command(
    name = "tasks",
    mixinStandardHelpOptions = true,
    description = "Queues single tasks and looks them up by id (the id 'run --json' prints).",
    subcommands = {TasksCommand.Submit.class, TasksCommand.Status.class, TasksCommand.Result.class, TasksCommand.Cancel.class})
final class TasksCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Queues a task and returns: unlike 'run', a full mesh makes it wait instead of failing. */
  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {
        "Queues one task and prints its id; it waits for a worker if all are busy.",
        "Takes the options of 'run'; 'tasks status|result ID' follow the task."
      })
  static final class Submit implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin TaskOptions task;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        TaskHandle h = c.tasks().submitAsync(task.request(c, Main.stdin(spec)));
        spec.commandLine().getOut().println(client.json ? ClientOptions.toJson(h) : h.id());
        return 0;
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a task's state, attempts and how its result was accepted.")
  static final class Status implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The task id (JOB.TASK).")
    String id;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        TaskInfo t = c.tasks().status(id);
        PrintWriter out = spec.commandLine().getOut();
        if (client.json) {
          out.println(ClientOptions.toJson(JobsCommand.Task.asJson(t)));
        } else {
          JobsCommand.Task.print(out, t);
        }
        return 0;
      }
    }
  }

  @Command(
      name = "result",
      mixinStandardHelpOptions = true,
      description = {"Prints a finished task's output as 'run' does; exit 1 if the task failed.",
        "Results are kept for the orchestrator's --result-retention (24 h by default)."})
  static final class Result implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The task id (JOB.TASK).")
    String id;

    @Option(names = "--artifacts-dir", paramLabel = "DIR",
        description = "Download the files the task left into DIR (never outside it, never over an existing file).")
    Path artifactsDir;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        return RunCommand.print(spec, c, c.tasks().result(id), client.json, artifactsDir);
      }
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Stops a task; a running process is killed.")
  static final class Cancel implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The task id (JOB.TASK).")
    String id;

    @Override
    public Integer call() {
      try (ShoalClient c = client.connect()) {
        c.tasks().cancel(id);
        spec.commandLine().getOut().println(
            client.json ? ClientOptions.toJson(Map.of("id", id, "state", "cancelled")) : id + " cancelled");
        return 0;
      }
    }
  }
}
