package dev.shoal.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A <b>test double for something outside Shoal</b>: an OpenAI-compatible LLM server (what Ollama,
 * vLLM or llama.cpp's server are in production), for tests and benchmarks. It answers
 * deterministically by {@link StandInReply}'s rule, so a test can assert exact text and token
 * counts, and it is quick, so a benchmark measures Shoal's overhead rather than this server's.
 *
 * <p>Routes, in OpenAI's JSON shapes: {@code GET /v1/models}; {@code POST /v1/chat/completions}
 * and {@code POST /v1/completions}, both plain and streaming ({@code "stream": true}: server-sent
 * events {@code data: {chunk}}, then a final chunk with {@code finish_reason}, a usage chunk if
 * {@code stream_options.include_usage}, and {@code data: [DONE]}). Errors use OpenAI's shape
 * {@code {"error": {"message", "type", "param", "code"}}}: an unknown model is 404, a missing or
 * wrong key (when one is configured) 401, a malformed body 400. One extra route, not OpenAI's,
 * {@code GET /_standin/stats}, counts requests and streams (started, completed, aborted by the
 * client) so a test can see that a client really hung up.
 *
 * <p>Run it in-process ({@link #start}) or as its own process ({@link #main}, or {@link
 * StandInProcess} from a test). Thread-safe.
 */
public final class StandInLlmServer implements AutoCloseable {

  static {
    // Each SSE event is a small write: without TCP_NODELAY, Nagle plus delayed ACKs stall the
    // stream by ~40 ms per event. Read once, when the JDK's server classes load.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OWNER = "shoal-testkit";

  /**
   * How the server behaves.
   *
   * @param models the model ids it serves; any other is answered 404
   * @param chunks how many content chunks a streamed answer is split into (fewer if it has fewer words)
   * @param delayMs pause before each streamed content chunk, to play a slow model; 0 for none
   * @param apiKey the key every request must carry as {@code Authorization: Bearer KEY}, or null
   */
  public record Options(List<String> models, int chunks, long delayMs, String apiKey) {
    public Options {
      models = List.copyOf(models);
      if (models.isEmpty() || models.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException("models: at least one non-blank model id is needed");
      }
      if (chunks < 1) {
        throw new IllegalArgumentException("chunks: must be at least 1, got " + chunks);
      }
      if (delayMs < 0) {
        throw new IllegalArgumentException("delay-ms: must not be negative, got " + delayMs);
      }
      if (apiKey != null && apiKey.isBlank()) {
        throw new IllegalArgumentException("api-key: must not be blank");
      }
    }

    /** One model, 16 chunks, no delay, no key. */
    public static Options of(String... models) {
      return new Options(List.of(models), 16, 0, null);
    }
  }

  private final Options options;
  private final HttpServer server;
  private final ExecutorService threads;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong streamsStarted = new AtomicLong();
  private final AtomicLong streamsCompleted = new AtomicLong();
  private final AtomicLong streamsAborted = new AtomicLong();

  private StandInLlmServer(Options options, HttpServer server, ExecutorService threads) {
    this.options = options;
    this.server = server;
    this.threads = threads;
  }

  /** Starts serving on 127.0.0.1:{@code port} (0: any free port). */
  public static StandInLlmServer start(Options options, int port) throws IOException {
    Objects.requireNonNull(options, "options");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    // A virtual thread per exchange: a delayed stream parks a virtual thread instead of holding
    // one of a few platform threads, so concurrency in a benchmark is never this server's limit.
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    StandInLlmServer s = new StandInLlmServer(options, server, threads);
    server.createContext("/", s::handle);
    server.setExecutor(threads);
    server.start();
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:PORT}, without the {@code /v1} of the routes. */
  public String rootUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** The base URL an OpenAI client is given: {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    return rootUrl() + "/v1";
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  // ---- routing ------------------------------------------------------------------------------

  private void handle(HttpExchange x) throws IOException {
    requests.incrementAndGet();
    try (x) {
      String path = x.getRequestURI().getPath();
      String method = x.getRequestMethod();
      if (path.equals("/_standin/stats")) {
        ObjectNode stats = JSON.createObjectNode()
            .put("requests", requests.get())
            .put("streams_started", streamsStarted.get())
            .put("streams_completed", streamsCompleted.get())
            .put("streams_aborted", streamsAborted.get());
        sendJson(x, 200, stats);
        return;
      }
      boolean known = path.equals("/v1/models") || path.equals("/v1/chat/completions") || path.equals("/v1/completions");
      if (!known) {
        sendError(x, 404, "Unknown route " + method + " " + path, "invalid_request_error", null, "not_found");
        return;
      }
      if (!authorized(x)) {
        sendError(x, 401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
        return;
      }
      String wanted = path.equals("/v1/models") ? "GET" : "POST";
      if (!method.equals(wanted)) {
        x.getResponseHeaders().set("Allow", wanted);
        sendError(x, 405, "Method " + method + " is not allowed on " + path, "invalid_request_error", null, "method_not_allowed");
        return;
      }
      switch (path) {
        case "/v1/models" -> models(x);
        case "/v1/chat/completions" -> complete(x, true);
        default -> complete(x, false);
      }
    } catch (IOException e) {
      // The client hung up (a stream counts it as aborted); nothing more can be said to it.
    }
  }

  private boolean authorized(HttpExchange x) {
    if (options.apiKey() == null) {
      return true;
    }
    String header = x.getRequestHeaders().getFirst("Authorization");
    return header != null && header.equals("Bearer " + options.apiKey());
  }

  private void models(HttpExchange x) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (String m : options.models()) {
      data.addObject().put("id", m).put("object", "model").put("created", 0).put("owned_by", OWNER);
    }
    sendJson(x, 200, body);
  }

  // ---- completions --------------------------------------------------------------------------

  /** A parsed, checked request; null fields never reach the answer. */
  private record Request(String model, String lastUserText, String promptText, int maxTokens, boolean stream, boolean includeUsage) {}

  private void complete(HttpExchange x, boolean chat) throws IOException {
    JsonNode body;
    try (InputStream in = x.getRequestBody()) {
      body = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      sendError(x, 400, "The request body is not valid JSON: " + e.getOriginalMessage(), "invalid_request_error", null, "invalid_json");
      return;
    }
    if (body == null || !body.isObject()) {
      sendError(x, 400, "The request body must be a JSON object.", "invalid_request_error", null, "invalid_json");
      return;
    }
    Request r;
    try {
      r = parse(body, chat);
    } catch (BadRequest e) {
      sendError(x, 400, e.getMessage(), "invalid_request_error", e.param, null);
      return;
    }
    if (!options.models().contains(r.model())) {
      sendError(
          x, 404, "The model '" + r.model() + "' does not exist or you do not have access to it.",
          "invalid_request_error", "model", "model_not_found");
      return;
    }
    StandInReply reply = StandInReply.of(r.lastUserText(), r.promptText(), r.maxTokens(), options.chunks());
    String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
    long created = System.currentTimeMillis() / 1000;
    if (r.stream()) {
      stream(x, chat, r, reply, id, created);
    } else {
      ObjectNode answer = envelope(id, chat ? "chat.completion" : "text_completion", created, r.model());
      ObjectNode choice = answer.putArray("choices").addObject().put("index", 0);
      if (chat) {
        choice.putObject("message").put("role", "assistant").put("content", reply.text());
      } else {
        choice.put("text", reply.text());
      }
      choice.putNull("logprobs");
      choice.put("finish_reason", reply.finishReason());
      answer.set("usage", usage(reply));
      sendJson(x, 200, answer);
    }
  }

  private static final class BadRequest extends Exception {
    final String param;

    BadRequest(String param, String message) {
      super(message);
      this.param = param;
    }
  }

  private static Request parse(JsonNode body, boolean chat) throws BadRequest {
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.asText().isBlank()) {
      throw new BadRequest("model", "you must provide a model parameter");
    }
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isBoolean() && !stream.isNull()) {
      throw new BadRequest("stream", "stream must be a boolean");
    }
    boolean streaming = stream != null && stream.asBoolean();
    JsonNode streamOptions = body.get("stream_options");
    boolean includeUsage = streamOptions != null && streamOptions.path("include_usage").asBoolean(false);
    if (streamOptions != null && !streamOptions.isNull() && !streaming) {
      throw new BadRequest("stream_options", "stream_options is only allowed when stream is true");
    }
    int maxTokens = -1;
    JsonNode max = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
    if (max != null && !max.isNull()) {
      if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 0) {
        throw new BadRequest("max_tokens", "max_tokens must be a non-negative integer");
      }
      maxTokens = max.asInt();
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && n.asInt(-1) != 1) {
      throw new BadRequest("n", "this server answers with exactly one choice (n = 1)");
    }
    String last;
    String all;
    if (chat) {
      JsonNode messages = body.get("messages");
      if (messages == null || !messages.isArray() || messages.isEmpty()) {
        throw new BadRequest("messages", "messages must be a non-empty array");
      }
      StringBuilder every = new StringBuilder();
      String lastUser = null;
      for (JsonNode m : messages) {
        String role = m.path("role").asText("");
        if (role.isEmpty()) {
          throw new BadRequest("messages", "every message needs a role");
        }
        String content = content(m.get("content"));
        every.append(content).append(' ');
        if (role.equals("user")) {
          lastUser = content;
        }
      }
      if (lastUser == null) {
        throw new BadRequest("messages", "messages must include a user message");
      }
      last = lastUser;
      all = every.toString();
    } else {
      JsonNode prompt = body.get("prompt");
      if (prompt == null || !(prompt.isTextual() || prompt.isArray())) {
        throw new BadRequest("prompt", "prompt must be a string or an array of strings");
      }
      last = content(prompt);
      all = last;
    }
    return new Request(model.asText(), last, all, maxTokens, streaming, includeUsage);
  }

  /** A message's text: a string, or the text parts of an array of parts (or of strings). */
  private static String content(JsonNode content) throws BadRequest {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode p : content) {
        if (p.isTextual()) {
          parts.add(p.asText());
        } else if (p.path("type").asText().equals("text")) {
          parts.add(p.path("text").asText());
        }
      }
      return String.join(" ", parts);
    }
    throw new BadRequest("messages", "content must be a string or an array of parts");
  }

  private void stream(HttpExchange x, boolean chat, Request r, StandInReply reply, String id, long created)
      throws IOException {
    streamsStarted.incrementAndGet();
    try {
      writeStream(x, chat, r, reply, id, created);
      streamsCompleted.incrementAndGet();
    } catch (IOException e) {
      streamsAborted.incrementAndGet();
      throw e;
    }
  }

  private void writeStream(HttpExchange x, boolean chat, Request r, StandInReply reply, String id, long created)
      throws IOException {
    x.getResponseHeaders().set("Content-Type", "text/event-stream");
    x.getResponseHeaders().set("Cache-Control", "no-cache");
    x.sendResponseHeaders(200, 0);
    OutputStream out = x.getResponseBody();
    String object = chat ? "chat.completion.chunk" : "text_completion";
    if (chat) {
      // OpenAI opens a chat stream with the role and empty content.
      ObjectNode first = chunk(id, object, created, r, delta -> delta.put("role", "assistant").put("content", ""), chat);
      event(out, first);
    }
    for (String piece : reply.pieces()) {
      if (piece.isEmpty()) {
        continue;
      }
      pause();
      event(out, chunk(id, object, created, r, delta -> delta.put(chat ? "content" : "text", piece), chat));
    }
    ObjectNode last = chunk(id, object, created, r, delta -> {
      if (!chat) {
        delta.put("text", "");
      }
    }, chat);
    ((ObjectNode) last.get("choices").get(0)).put("finish_reason", reply.finishReason());
    event(out, last);
    if (r.includeUsage()) {
      ObjectNode usage = envelope(id, object, created, r.model());
      usage.putArray("choices");
      usage.set("usage", usage(reply));
      event(out, usage);
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One streamed chunk; {@code fill} writes the chat delta, or the completion choice's text. */
  private ObjectNode chunk(
      String id, String object, long created, Request r, java.util.function.Consumer<ObjectNode> fill, boolean chat) {
    ObjectNode c = envelope(id, object, created, r.model());
    ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
    if (chat) {
      fill.accept(choice.putObject("delta"));
    } else {
      fill.accept(choice);
    }
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    if (r.includeUsage()) {
      // With include_usage, OpenAI sends "usage": null on every chunk but the last.
      c.putNull("usage");
    }
    return c;
  }

  private void pause() throws IOException {
    if (options.delayMs() == 0) {
      return;
    }
    try {
      Thread.sleep(options.delayMs());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while playing a slow model", e);
    }
  }

  private static void event(OutputStream out, JsonNode data) throws IOException {
    byte[] json = JSON.writeValueAsBytes(data);
    byte[] framed = new byte[json.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, framed, 0, 6);
    System.arraycopy(json, 0, framed, 6, json.length);
    framed[framed.length - 2] = '\n';
    framed[framed.length - 1] = '\n';
    out.write(framed);
    out.flush();
  }

  private static ObjectNode envelope(String id, String object, long created, String model) {
    return JSON.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  private static ObjectNode usage(StandInReply reply) {
    return JSON.createObjectNode()
        .put("prompt_tokens", reply.promptTokens())
        .put("completion_tokens", reply.completionTokens())
        .put("total_tokens", reply.totalTokens());
  }

  private static void sendError(HttpExchange x, int status, String message, String type, String param, String code)
      throws IOException {
    ObjectNode error = JSON.createObjectNode();
    ObjectNode e = error.putObject("error").put("message", message).put("type", type);
    if (param == null) {
      e.putNull("param");
    } else {
      e.put("param", param);
    }
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    sendJson(x, status, error);
  }

  private static void sendJson(HttpExchange x, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
  }

  // ---- command line -------------------------------------------------------------------------

  /**
   * {@code --port 0 --models a,b --chunks 16 --delay-ms 0 --api-key K}; prints exactly one line,
   * {@code listening http://127.0.0.1:PORT}, on stdout once it serves, and runs until killed.
   */
  public static void main(String[] args) throws Exception {
    int port = 0;
    List<String> models = List.of("stand-in");
    int chunks = 16;
    long delayMs = 0;
    String apiKey = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        usage("missing value for " + flag);
      }
      String value = args[++i];
      try {
        switch (flag) {
          case "--port" -> port = Integer.parseInt(value);
          case "--models" -> models = Arrays.stream(value.split(",")).map(String::strip).toList();
          case "--chunks" -> chunks = Integer.parseInt(value);
          case "--delay-ms" -> delayMs = Long.parseLong(value);
          case "--api-key" -> apiKey = value;
          default -> usage("unknown option " + flag);
        }
      } catch (NumberFormatException e) {
        usage(flag + ": '" + value + "' is not a number");
      }
    }
    StandInLlmServer server;
    try {
      server = start(new Options(models, chunks, delayMs, apiKey), port);
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
      return;
    }
    System.out.println("listening " + server.rootUrl());
    System.out.flush();
    Thread.currentThread().join();
  }

  private static void usage(String problem) {
    System.err.println("stand-in LLM server: " + problem);
    System.err.println("usage: --port 0 --models a,b --chunks 16 --delay-ms 0 --api-key K");
    System.exit(2);
  }
}
