package dev.shoal.cli;

import dev.shoal.client.InsufficientCreditsException;
import dev.shoal.client.ModelNotFoundException;
import dev.shoal.client.ShoalException;
import dev.shoal.client.TaskFailedException;
import dev.shoal.client.TaskTimedOutException;
import dev.shoal.client.UnauthenticatedException;
import dev.shoal.client.WorkerNotFoundException;
import dev.shoal.protocol.ProtocolVersions;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** The one {@code shoal} command; every role and every client action is a subcommand. */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A compute mesh for machines you do not fully trust.",
    subcommands = {
      DemoCommand.class,
      OrchestratorCommand.class,
      WorkerCommand.class,
      WorkersCommand.class,
      RunCommand.class,
      ChatCommand.class,
      TasksCommand.class,
      JobsCommand.class,
      BlobsCommand.class,
      PeersCommand.class,
      EventsCommand.class,
      KeysCommand.class,
      PrincipalsCommand.class,
      DelegatesCommand.class,
      ServicesCommand.class,
      FleetCommand.class,
      CreditsCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Role options (orchestrator, worker, demo), --url, --api-key-file and",
      "--on-behalf-of can also come from the environment: --grpc-port is",
      "SHOAL_GRPC_PORT, --url is SHOAL_URL, and so on.",
      "Client commands send the API key in SHOAL_API_KEY unless --api-key-file is given.",
      "Exit codes: 0 done, 1 failed, 2 bad usage, 75 try again later (overloaded,",
      "rate limited, orchestrator unreachable).",
      "Start here: shoal demo"
    })
public final class Main implements Runnable {

  /** sysexits' EX_TEMPFAIL: a script can tell "retry later" from "this will not work". */
  static final int TRY_AGAIN_LATER = 75;

  @CommandLine.Spec CommandSpec spec;

  private final InputStream in;

  Main(InputStream in) {
    this.in = in;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return run(
        System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
        args);
  }

  /** Runs the command line with these streams (tests give their own) and returns its exit code. */
  public static int run(InputStream in, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main(in));
    cli.setOut(out);
    cli.setErr(err);
    cli.setDefaultValueProvider(new EnvironmentDefaults(System.getenv()));
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr().println(line.getColorScheme().errorText("shoal: " + message(e)));
          line.getErr().flush();
          if (e instanceof IllegalArgumentException) {
            return 2;
          }
          return e instanceof ShoalException s && s.retryable() ? TRY_AGAIN_LATER : 1;
        });
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Standard input as given to {@link #run}: chat's conversation and "-" files read it. */
  static InputStream stdin(CommandSpec spec) {
    return ((Main) spec.root().userObject()).in;
  }

  /** The message a user sees for a failure: the orchestrator's, plus what to do about it. */
  static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (!(t instanceof ShoalException s)) {
      return m;
    }
    String hint =
        switch (s) {
          case UnauthenticatedException u -> "give a key with --api-key-file FILE or SHOAL_API_KEY";
          case InsufficientCreditsException i -> "'shoal credits PRINCIPAL' shows what it has; an admin grants more";
          case ModelNotFoundException n -> "'shoal workers' lists the models served";
          case WorkerNotFoundException n -> "'shoal workers' lists the connected workers";
          case TaskFailedException f when f.taskId() != null -> "'shoal tasks status " + f.taskId() + "' shows its attempts";
          case TaskTimedOutException f -> "a longer --timeout may help"
              + (f.taskId() == null ? "" : "; 'shoal tasks status " + f.taskId() + "' shows its attempts");
          default -> null;
        };
    String retry = s.retryAfter().map(d -> "retry after " + d.toSeconds() + " s (Retry-After)").orElse(null);
    StringBuilder b = new StringBuilder(m);
    if (s.code() != null && !s.code().isEmpty() && !s.code().equals("connection_failed")) {
      b.append(" [").append(s.code()).append(']');
    }
    for (String extra : new String[] {retry, hint}) {
      if (extra != null) {
        b.append("; ").append(extra);
      }
    }
    return b.toString();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reports the build's version and the worker protocol it speaks. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "shoal " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (protocol shoal.v1 " + ProtocolVersions.format(ProtocolVersions.CURRENT) + ")"
      };
    }
  }
}
