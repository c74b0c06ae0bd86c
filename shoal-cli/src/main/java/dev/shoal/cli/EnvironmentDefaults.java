package dev.shoal.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Fills unset options from the environment: {@code --http-port} reads {@code SHOAL_HTTP_PORT}.
 * Only where an environment is configuration: every option of the long-running roles, and the
 * connection options every client command shares. A client call's own options ({@code --model},
 * {@code --timeout}, {@code --worker}) never come from it: a stray {@code SHOAL_MODEL} must not
 * quietly change what {@code shoal run} does.
 */
final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {

  private static final Set<String> ROLES = Set.of("orchestrator", "worker", "demo");
  /** Where to, with which key, for whom: the same for every call of a script or a bot. */
  private static final Set<String> CONNECTION = Set.of("--url", "--api-key-file", "--on-behalf-of");

  private final Map<String, String> env;

  EnvironmentDefaults(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option && option.longestName().startsWith("--") && fromEnvironment(option)) {
      String value = env.get(variable(option));
      if (value != null) {
        return value;
      }
    }
    return arg.defaultValue();
  }

  /** The variable an option reads: {@code SHOAL_} and its long name in upper snake case. */
  static String variable(OptionSpec option) {
    return "SHOAL_" + option.longestName().substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private static boolean fromEnvironment(OptionSpec option) {
    return CONNECTION.contains(option.longestName())
        || (option.command() != null && ROLES.contains(option.command().name()));
  }
}
