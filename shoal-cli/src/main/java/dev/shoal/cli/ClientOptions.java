package dev.shoal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.ShoalClientOptions;
import dev.shoal.protocol.PeerIds;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options every client command shares: where the orchestrator's HTTP API is, the API key, the
 * principal acted for, and --json. The key is never a flag (flags show in {@code ps}): a file, or
 * SHOAL_API_KEY, which the SDK reads itself when no file is given.
 */
final class ClientOptions {

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8080",
      description = "Orchestrator HTTP API (default: ${DEFAULT-VALUE}; env SHOAL_URL).")
  URI url;

  @Option(
      names = "--api-key-file",
      paramLabel = "FILE",
      description = "File holding the API key (shk_…) to send; without it, the key in SHOAL_API_KEY, if any.")
  Path apiKeyFile;

  @Option(
      names = "--on-behalf-of",
      paramLabel = "PRINCIPAL",
      description = "Act for PRINCIPAL (its id p…, or its name) as its delegate, with what it granted this key's"
          + " principal ('delegates grant'); env SHOAL_ON_BEHALF_OF.")
  String onBehalfOf;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  ShoalClient connect() {
    ShoalClientOptions.Builder b = ShoalClientOptions.builder().baseUrl(url);
    if (apiKeyFile != null) {
      b.apiKey(readKey(apiKeyFile));
    }
    if (onBehalfOf == null || PeerIds.isPrincipalId(onBehalfOf)) {
      return ShoalClient.create(b.onBehalfOf(onBehalfOf).build());
    }
    // A name: looked up as this key itself, then every request acts for the principal found.
    try (ShoalClient itself = ShoalClient.create(b.build())) {
      String id = PrincipalNames.id(itself, onBehalfOf, "on-behalf-of");
      return itself.withOptions(o -> o.onBehalfOf(id));
    }
  }

  /** The key in {@code file}, stripped; the messages name the file, never its content. */
  private static String readKey(Path file) {
    String key;
    try {
      key = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("api-key-file: cannot read " + file + ": " + e.getMessage(), e);
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("api-key-file: " + file + " is empty");
    }
    return key;
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

  /** {@code value} as JSON on one line, for output read line by line. */
  static String toJsonLine(Object value) {
    try {
      return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }
}
