package dev.shoal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The shape every benchmark's main shares: quiet logs, {@code [--smoke] [results.json]}, the
 * results written as JSON, and an exit that does not wait for the child JVMs' threads.
 */
final class BenchRun {

  /** One benchmark's measurements; {@code smoke} runs a few of each to check the harness. */
  interface Body {
    Map<String, Object> run(boolean smoke) throws Exception;
  }

  private BenchRun() {}

  static void main(String[] args, String defaultFile, Body body) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    boolean smoke = args.length > 0 && args[0].equals("--smoke");
    String outArg = smoke ? (args.length > 1 ? args[1] : null) : (args.length > 0 ? args[0] : null);
    Path out = Path.of(outArg != null ? outArg : defaultFile);
    Map<String, Object> results = body.run(smoke);
    Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
    System.out.println("wrote " + out.toAbsolutePath());
    System.exit(0);
  }
}
