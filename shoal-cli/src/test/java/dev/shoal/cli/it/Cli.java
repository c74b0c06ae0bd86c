package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

/** One {@code shoal} command run in the test's JVM against an orchestrator: its exit code and what it printed. */
record Cli(int exit, String out, String err) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs {@code shoal ARGS --url URL} with {@code stdin}, printing to {@code out}. */
  static Cli run(String url, String stdin, Writer out, String... args) {
    StringWriter err = new StringWriter();
    String[] withUrl = Stream.concat(Stream.of(args), Stream.of("--url", url)).toArray(String[]::new);
    int exit =
        Main.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out), new PrintWriter(err),
            withUrl);
    return new Cli(exit, out.toString(), err.toString());
  }

  /** The same with no stdin, capturing stdout. */
  static Cli run(String url, String... args) {
    return run(url, "", new StringWriter(), args);
  }

  JsonNode json() throws Exception {
    return JSON.readTree(out);
  }

  /** This result, after checking the command succeeded (the message shows what it printed). */
  Cli ok() {
    assertThat(exit).as("exit; stdout:%n%s%nstderr:%n%s", out, err).isZero();
    return this;
  }
}
