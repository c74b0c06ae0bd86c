package dev.shoal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

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
      PeersCommand.class,
      JobsCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Options can also come from the environment: --grpc-port is SHOAL_GRPC_PORT, and so on.",
      "Start here: shoal demo"
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setDefaultValueProvider(new EnvironmentDefaults(System.getenv()));
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr().println(line.getColorScheme().errorText("shoal: " + message(e)));
          return e instanceof IllegalArgumentException ? 2 : 1;
        });
    return cli.execute(args);
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reports the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"shoal " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (protocol shoal.v1 1.0.0)"};
    }
  }
}
