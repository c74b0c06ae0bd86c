package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Raw HTTP + JSON against an orchestrator's {@code /v1} API, for what the SDK does not cover yet:
 * the data service ({@code /v1/blobs}, {@code /v1/data}), the job shapes beyond task lists and
 * matmul, and views holding blob references. Without API keys (ITs run on loopback without any).
 */
final class MeshHttp {

  static final ObjectMapper JSON = new ObjectMapper();

  /** A response: its status and body. */
  record Reply(int status, byte[] body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (" + status + "): " + new String(body), e);
      }
    }

    @Override
    public String toString() {
      return status + " " + new String(body, 0, Math.min(body.length, 2000));
    }
  }

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  MeshHttp(MeshProcesses.Node orchestrator) {
    this.base = orchestrator.url();
  }

  /** {@code POST /v1/blobs} with the file's bytes, streamed: {@code {"sha256","size","digest","uri"}}. */
  JsonNode uploadBlob(Path file) throws IOException, InterruptedException {
    return created(send(request("/v1/blobs").POST(HttpRequest.BodyPublishers.ofFile(file)).timeout(Duration.ofMinutes(5))));
  }

  /** {@code POST /v1/blobs} with {@code bytes}. */
  JsonNode uploadBlob(byte[] bytes) throws IOException, InterruptedException {
    return created(send(request("/v1/blobs").POST(HttpRequest.BodyPublishers.ofByteArray(bytes))));
  }

  private static JsonNode created(Reply r) {
    assertThat(r.status()).as("blob upload: %s", r).isIn(200, 201);
    return r.json();
  }

  /** {@code GET path}, any status. */
  Reply get(String path) throws IOException, InterruptedException {
    return send(request(path).GET());
  }

  /** {@code GET path}, which must answer 200 with JSON. */
  JsonNode getJson(String path) throws IOException, InterruptedException {
    Reply r = get(path);
    assertThat(r.status()).as("GET %s: %s", path, r).isEqualTo(200);
    return r.json();
  }

  /** {@code POST path} with a JSON body, any status. */
  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** {@code POST /v1/jobs}: the new job's id (the submission must be accepted). */
  String submitJob(String json) throws IOException, InterruptedException {
    Reply r = post("/v1/jobs", json);
    assertThat(r.status()).as("POST /v1/jobs: %s", r).isEqualTo(202);
    return r.json().get("id").asText();
  }

  /** A stored blob's bytes, whole: {@code GET /v1/blobs/{sha256}}. */
  byte[] blob(String digest) throws IOException, InterruptedException {
    String sha = digest.startsWith("sha256:") ? digest.substring(7) : digest;
    Reply r = get("/v1/blobs/" + sha);
    assertThat(r.status()).as("GET blob %s", sha).isEqualTo(200);
    return r.body();
  }

  /** {@code GET /v1/data}: {@code {"bytes_served","bytes_uploaded","validation_bytes_read"}}. */
  DataStats data() throws IOException, InterruptedException {
    JsonNode d = getJson("/v1/data");
    return new DataStats(
        d.get("bytes_served").asLong(), d.get("bytes_uploaded").asLong(), d.get("validation_bytes_read").asLong());
  }

  /** What the data service moved since the orchestrator started. */
  record DataStats(long served, long uploaded, long validationRead) {
    DataStats minus(DataStats before) {
      return new DataStats(served - before.served, uploaded - before.uploaded, validationRead - before.validationRead);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
  }

  private Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(r.statusCode(), r.body());
  }
}
