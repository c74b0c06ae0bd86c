package dev.shoal.client.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ProtocolException;
import dev.shoal.client.ShoalClientOptions;
import dev.shoal.client.ShoalException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One client's way to the orchestrator: builds requests (base URL, key, timeout) and turns
 * responses into values or {@link ShoalException}s, never letting a raw I/O or JSON exception
 * through. Clients derived with {@code withOptions} share one {@link HttpClient}; it is closed when
 * the last of them is. Thread-safe.
 */
public final class Transport implements AutoCloseable {

  /** Largest JSON answer read into memory; results carry tensors, so this is generous. */
  static final long MAX_JSON_BYTES = 512L << 20;

  /** Error answers are short; more of a proxy's page is not worth reading. */
  static final int MAX_ERROR_BYTES = 64 << 10;

  /** Names the principal a request acts for (API.md "Principals and delegates"). */
  static final String ON_BEHALF_OF_HEADER = "Shoal-On-Behalf-Of";

  /** The task routes name the task they started in this header, errors included. */
  static final String TASK_ID_HEADER = "Shoal-Task-Id";

  private static final String USER_AGENT = "shoal-java/" + version();

  /** The HTTP client and how many transports use it. */
  private record Shared(HttpClient http, AtomicInteger users) {}

  private final Shared shared;
  private final ShoalClientOptions options;
  private final ObjectMapper mapper;
  private final Clock clock = Clock.systemUTC();
  private final AtomicBoolean closed = new AtomicBoolean();

  private Transport(Shared shared, ShoalClientOptions options) {
    this.shared = shared;
    this.options = options;
    // Results carry tensors as base64 strings far longer than Jackson's default cap.
    this.mapper =
        new ObjectMapper(
                JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  public static Transport open(ShoalClientOptions options) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new Transport(new Shared(http, new AtomicInteger(1)), options);
  }

  /** A transport with other options over the same HTTP client. */
  public Transport derive(ShoalClientOptions newOptions) {
    if (closed.get()) {
      throw new IllegalStateException("the client is closed");
    }
    shared.users().incrementAndGet();
    return new Transport(shared, newOptions);
  }

  public ShoalClientOptions options() {
    return options;
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  // ---------------------------------------------------------------- requests

  /**
   * A request to {@code pathAndQuery} (already encoded) with the key, the principal acted for,
   * the timeout and {@code Accept: application/json}.
   */
  public HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(options.baseUrl() + pathAndQuery))
            .timeout(options.timeout())
            .header("Accept", "application/json")
            .header("User-Agent", USER_AGENT);
    if (options.apiKey() != null) {
      b.header("Authorization", "Bearer " + options.apiKey());
    }
    if (options.onBehalfOf() != null) {
      b.header(ON_BEHALF_OF_HEADER, options.onBehalfOf());
    }
    return b;
  }

  public HttpRequest get(String pathAndQuery) {
    return request(pathAndQuery).GET().build();
  }

  public HttpRequest post(String path, JsonNode body) {
    return post(path, body == null ? null : body.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A POST with a JSON body, or none when {@code body} is null. */
  public HttpRequest post(String path, byte[] body) {
    HttpRequest.Builder b = request(path);
    if (body == null) {
      return b.POST(HttpRequest.BodyPublishers.noBody()).build();
    }
    return b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  /** A PATCH with a JSON body: the fields given replace the resource's. */
  public HttpRequest patch(String path, JsonNode body) {
    return request(path)
        .header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** One path segment, percent-encoded (ids are opaque to the SDK). */
  public static String segment(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("an id must not be empty");
    }
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A query parameter, percent-encoded. */
  public static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- responses

  /**
   * Sends {@code req}; a 2xx JSON body is parsed and mapped, anything else becomes the matching
   * {@link ShoalException}. The future fails with that exception itself, not a wrapper.
   */
  public <T> CompletableFuture<T> call(HttpRequest req, Function<JsonNode, T> map) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Supplier<RuntimeException> overCap =
        () -> new ProtocolException(200, "the answer to " + what(req) + " is over " + MAX_JSON_BYTES + " bytes", null);
    send(req, MAX_JSON_BYTES, overCap)
        .whenComplete(
            (resp, failure) -> {
              if (failure != null) {
                out.completeExceptionally(failure);
                return;
              }
              try {
                JsonNode json = resp.body().length == 0 ? mapper.createObjectNode() : mapper.readTree(resp.body());
                if (json == null || !json.isObject()) {
                  throw new ProtocolException(resp.statusCode(), "the answer to " + what(req) + " is not a JSON object", null);
                }
                out.complete(map.apply(json));
              } catch (ShoalException e) {
                out.completeExceptionally(e);
              } catch (IOException e) {
                out.completeExceptionally(
                    new ProtocolException(
                        resp.statusCode(), "the answer to " + what(req) + " is not valid JSON: " + jsonProblem(e), e));
              } catch (RuntimeException e) {
                out.completeExceptionally(
                    new ProtocolException(resp.statusCode(), "cannot decode the answer to " + what(req) + ": " + e, e));
              }
            });
    return out;
  }

  /** Sends {@code req} and hands back its 2xx body, at most {@code cap} bytes (else {@code overCap}'s exception). */
  public CompletableFuture<HttpResponse<byte[]>> send(HttpRequest req, long cap, Supplier<? extends RuntimeException> overCap) {
    CompletableFuture<HttpResponse<byte[]>> out = new CompletableFuture<>();
    HttpResponse.BodyHandler<byte[]> handler =
        info -> ok(info.statusCode()) ? new CappedBody(cap, overCap) : new CappedBody(MAX_ERROR_BYTES, null);
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = shared.http().sendAsync(req, handler);
    } catch (RuntimeException e) {
      // A closed HttpClient refuses at once.
      return CompletableFuture.failedFuture(Errors.transport(what(req), e));
    }
    sent.whenComplete(
        (resp, failure) -> {
          if (failure != null) {
            out.completeExceptionally(Errors.failure(what(req), failure));
          } else if (!ok(resp.statusCode())) {
            out.completeExceptionally(
                Errors.fromResponse(
                    mapper, resp.statusCode(), resp.headers().firstValue("Retry-After").orElse(null),
                    resp.headers().firstValue(TASK_ID_HEADER).orElse(null), resp.body(), clock));
          } else {
            out.complete(resp);
          }
        });
    // A caller that gives up (cancels) stops the exchange too.
    out.whenComplete((r, t) -> sent.cancel(true));
    return out;
  }

  /**
   * Sends {@code req} and blocks until its answer begins; hands back the 2xx body as a stream the
   * caller must close (closing early releases the connection). {@code mediaType}, when not null,
   * is the type the body must have.
   */
  public InputStream openStream(HttpRequest req, String mediaType) {
    HttpResponse<InputStream> resp;
    try {
      resp = shared.http().send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | RuntimeException e) {
      throw Errors.transport(what(req), e);
    } catch (InterruptedException e) {
      throw Errors.interrupted(e);
    }
    return streamBody(req, resp, mediaType);
  }

  /**
   * Sends {@code req} without waiting for its answer, for a caller that must be able to give up
   * from another thread (cancelling the future aborts the exchange); {@link #streamBody} then
   * checks the answer. The future fails with the {@link ShoalException} of a transport failure.
   */
  public CompletableFuture<HttpResponse<InputStream>> sendForStream(HttpRequest req) {
    CompletableFuture<HttpResponse<InputStream>> sent;
    try {
      sent = shared.http().sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(Errors.transport(what(req), e));
    }
    CompletableFuture<HttpResponse<InputStream>> out = new CompletableFuture<>();
    sent.whenComplete(
        (resp, failure) -> {
          if (failure != null) {
            out.completeExceptionally(Errors.failure(what(req), failure));
          } else if (!out.complete(resp)) {
            // Given up on while the answer arrived: nobody will read it.
            closeQuietly(resp.body());
          }
        });
    out.whenComplete(
        (r, t) -> {
          if (out.isCancelled()) {
            sent.cancel(true);
          }
        });
    return out;
  }

  /**
   * The 2xx body of {@code resp} as a stream the caller must close, or the {@link
   * ShoalException} its error answer means (the connection then released). {@code mediaType},
   * when not null, is the type the body must have.
   */
  public InputStream streamBody(HttpRequest req, HttpResponse<InputStream> resp, String mediaType) {
    InputStream body = resp.body();
    if (!ok(resp.statusCode())) {
      byte[] bytes;
      try (body) {
        bytes = body.readNBytes(MAX_ERROR_BYTES);
      } catch (IOException e) {
        bytes = new byte[0];
      }
      throw Errors.fromResponse(
          mapper, resp.statusCode(), resp.headers().firstValue("Retry-After").orElse(null),
          resp.headers().firstValue(TASK_ID_HEADER).orElse(null), bytes, clock);
    }
    String type = resp.headers().firstValue("Content-Type").orElse("");
    if (mediaType != null && !MediaTypes.is(type, mediaType)) {
      closeQuietly(body);
      throw new ProtocolException(
          resp.statusCode(), "the answer to " + what(req) + " is " + (type.isEmpty() ? "untyped" : type) + ", not " + mediaType, null);
    }
    return body;
  }

  private static String jsonProblem(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  /** "POST /v1/tasks/run", for messages. */
  public static String what(HttpRequest req) {
    return req.method() + " " + req.uri().getRawPath();
  }

  static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Only releasing the connection; nothing was being read.
    }
  }

  private static boolean ok(int status) {
    return status / 100 == 2;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && shared.users().decrementAndGet() == 0) {
      shared.http().close();
    }
  }

  private static String version() {
    String v = Transport.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
