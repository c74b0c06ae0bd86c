package dev.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Which options the environment may set: a role's configuration and the connection, never a call's own. */
class EnvironmentDefaultsTest {

  private final CommandLine cli = new CommandLine(new Main(java.io.InputStream.nullInputStream()));
  private final EnvironmentDefaults defaults =
      new EnvironmentDefaults(
          Map.of(
              "SHOAL_HTTP_PORT", "9999",
              "SHOAL_ORCHESTRATOR", "10.0.0.1:7443",
              "SHOAL_URL", "http://mesh:8080",
              "SHOAL_ON_BEHALF_OF", "palice",
              "SHOAL_MODEL", "stray",
              "SHOAL_TIMEOUT", "1s"));

  private OptionSpec option(String command, String name) {
    return cli.getSubcommands().get(command).getCommandSpec().findOption(name);
  }

  @Test
  void rolesAndTheConnectionReadTheEnvironment() {
    assertThat(defaults.defaultValue(option("orchestrator", "--http-port"))).isEqualTo("9999");
    assertThat(defaults.defaultValue(option("worker", "--orchestrator"))).isEqualTo("10.0.0.1:7443");
    assertThat(defaults.defaultValue(option("run", "--url"))).isEqualTo("http://mesh:8080");
    assertThat(defaults.defaultValue(option("workers", "--url"))).isEqualTo("http://mesh:8080");
    // Whom a bot acts for is part of its connection, like its key.
    assertThat(defaults.defaultValue(option("run", "--on-behalf-of"))).isEqualTo("palice");
    assertThat(
            defaults.defaultValue(
                cli.getSubcommands().get("tasks").getSubcommands().get("cancel").getCommandSpec().findOption("--on-behalf-of")))
        .isEqualTo("palice");
  }

  @Test
  void aCallsOwnOptionsDoNot() {
    OptionSpec model = option("run", "--model");
    assertThat(EnvironmentDefaults.variable(model)).isEqualTo("SHOAL_MODEL");
    assertThat(defaults.defaultValue(model)).isEqualTo(model.defaultValue());
    assertThat(defaults.defaultValue(option("chat", "--model"))).isNotEqualTo("stray");
    OptionSpec timeout = option("run", "--timeout");
    assertThat(defaults.defaultValue(timeout)).isEqualTo(timeout.defaultValue());
  }
}
