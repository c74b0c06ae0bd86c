package dev.shoal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shoal.client.ShoalClient;
import java.net.URI;
import picocli.CommandLine.Option;

/** Options every client command shares: where the orchestrator's HTTP API is, and --json. */
final class ClientOptions {

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8080",
      description = "Orchestrator HTTP API (default: ${DEFAULT-VALUE}; env SHOAL_URL).")
  URI url;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  ShoalClient connect() {
    return ShoalClient.connect(url);
  }

  static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }
}
