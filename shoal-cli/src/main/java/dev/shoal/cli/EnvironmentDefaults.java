package dev.shoal.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Fills unset options from the environment: {@code --http-port} reads {@code SHOAL_HTTP_PORT}. */
final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {

  private final Map<String, String> env;

  EnvironmentDefaults(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option && option.longestName().startsWith("--")) {
      String key = "SHOAL_" + option.longestName().substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      String value = env.get(key);
      if (value != null) {
        return value;
      }
    }
    return arg.defaultValue();
  }
}
