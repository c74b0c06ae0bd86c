package dev.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway benchmark's client: sends one OpenAI chat completion request to a base URL and
 * times it, the same way whichever server answers. A stream is read line by line from the raw
 * body, each {@code data:} line stamped the moment it is read and parsed only after the stream
 * has ended, so parsing never delays a stamp. Every answer is checked against the text the
 * upstream must produce. One {@link HttpClient} (HTTP/1.1, connections kept alive) per probe, or
 * {@link PlainHttp} for the latency rows;
 * thread-safe.
 */
final class OpenAiProbe {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  /**
   * A timed stream.
   *
   * @param firstTokenNanos from sending until the first {@code data:} line with non-empty content
   * @param doneNanos from sending until {@code data: [DONE]}
   */
  record Streamed(long firstTokenNanos, long doneNanos) {}

  /** Tries per request when the client itself fails as described at {@link #isPoolRace}. */
  private static final int TRIES = 3;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** The lean client, or null for the JDK's. */
  private final PlainHttp plain;
  private final AtomicLong poolRaceRetries = new AtomicLong();
  private final byte[] streamBody;
  private final byte[] wholeBody;
  private final String expectedText;
  private final int expectedChunks;

  /**
   * @param model the model every request names
   * @param prompt the user message
   * @param expectedText the answer the upstream gives to it
   * @param expectedChunks how many content chunks a streamed answer must have
   */
  OpenAiProbe(String model, String prompt, String expectedText, int expectedChunks) throws IOException {
    this(model, prompt, expectedText, expectedChunks, false);
  }

  /** As above; with {@code plain}, requests go through {@link PlainHttp} instead of the JDK client. */
  OpenAiProbe(String model, String prompt, String expectedText, int expectedChunks, boolean plain) throws IOException {
    this.plain = plain ? new PlainHttp() : null;
    var body = JSON.createObjectNode().put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    this.wholeBody = JSON.writeValueAsBytes(body);
    body.put("stream", true);
    this.streamBody = JSON.writeValueAsBytes(body);
    this.expectedText = expectedText;
    this.expectedChunks = expectedChunks;
  }

  private HttpRequest request(URI baseUrl, byte[] body, String accept) {
    return HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
        .header("Content-Type", "application/json")
        .header("Accept", accept)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  /** A non-streamed request: nanoseconds from sending until the whole answer has been read. */
  long whole(URI baseUrl) throws IOException, InterruptedException {
    Timed answer =
        plain != null
            ? plainOk(URI.create(baseUrl + "/chat/completions"), wholeBody, "application/json")
            : sendOk(request(baseUrl, wholeBody, "application/json"), baseUrl);
    String text = JSON.readTree(answer.body()).path("choices").path(0).path("message").path("content").asText();
    check(baseUrl, text);
    return answer.nanos();
  }

  /**
   * Any other request, answered 200 with a small body: nanoseconds from sending until the whole
   * answer has been read. {@code json} null sends a GET.
   */
  long other(URI url, byte[] json) throws IOException, InterruptedException {
    if (plain != null) {
      return plainOk(url, json, "application/json").nanos();
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(url);
    HttpRequest request =
        json == null
            ? b.GET().build()
            : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
    return sendOk(request, url).nanos();
  }

  /** A 200 answer's body and the nanoseconds from sending until it was read. */
  private record Timed(byte[] body, long nanos) {}

  /** Sends {@code request} (retrying the JDK's pooled-connection race), expecting 200. */
  private Timed sendOk(HttpRequest request, URI target) throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      long t0 = System.nanoTime();
      HttpResponse<byte[]> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        retryOrThrow(e, attempt);
        continue;
      }
      long elapsed = System.nanoTime() - t0;
      if (response.statusCode() != 200) {
        throw new IOException(target + " answered " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
      }
      return new Timed(response.body(), elapsed);
    }
  }

  /** Sends through the lean client, expecting 200. */
  private Timed plainOk(URI url, byte[] json, String accept) throws IOException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(1024);
    long t0 = System.nanoTime();
    int status = plain.exchange(url, json, accept, (b, off, len, at) -> body.write(b, off, len));
    long elapsed = System.nanoTime() - t0;
    if (status != 200) {
      throw new IOException(url + " answered " + status + ": " + body.toString(StandardCharsets.UTF_8));
    }
    return new Timed(body.toByteArray(), elapsed);
  }

  /** A streamed request, read to the end of the body so the connection is reused. */
  Streamed stream(URI baseUrl) throws IOException, InterruptedException {
    Events events = new Events(baseUrl);
    long t0;
    if (plain != null) {
      t0 = System.nanoTime();
      int status = plain.exchange(URI.create(baseUrl + "/chat/completions"), streamBody, "text/event-stream", events::feed);
      if (status != 200) {
        throw new IOException(baseUrl + " answered " + status);
      }
      return events.timed(t0);
    }
    HttpRequest request = request(baseUrl, streamBody, "text/event-stream");
    HttpResponse<InputStream> response;
    for (int attempt = 1; ; attempt++) {
      t0 = System.nanoTime();
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        break;
      } catch (IOException e) {
        retryOrThrow(e, attempt);
      }
    }
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException(baseUrl + " answered " + response.statusCode() + ": " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        events.feed(buf, 0, n, System.nanoTime());
      }
    }
    return events.timed(t0);
  }

  /**
   * A stream's {@code data:} lines, each stamped with the time the read that completed it
   * returned; parsed only once the stream has ended, so parsing never delays a stamp.
   */
  private final class Events {
    private final URI baseUrl;
    private final List<byte[]> events = new ArrayList<>(24);
    private final long[] stamps = new long[64];
    private long done = -1;
    private byte[] pending = new byte[0];

    Events(URI baseUrl) {
      this.baseUrl = baseUrl;
    }

    void feed(byte[] buf, int off, int n, long now) throws IOException {
      byte[] all = concat(pending, buf, off, n);
      int from = 0;
      for (int i = 0; i < all.length; i++) {
        if (all[i] != '\n') {
          continue;
        }
        if (startsWith(all, from, i, DATA)) {
          byte[] data = Arrays.copyOfRange(all, from + DATA.length, i);
          if (new String(data, StandardCharsets.UTF_8).strip().equals("[DONE]")) {
            done = now;
          } else if (events.size() < stamps.length) {
            stamps[events.size()] = now;
            events.add(data);
          } else {
            throw new IOException(baseUrl + " sent more than " + stamps.length + " events");
          }
        }
        from = i + 1;
      }
      pending = Arrays.copyOfRange(all, from, all.length);
    }

    /** Checks the whole stream and times it from {@code t0}. */
    Streamed timed(long t0) throws IOException {
      if (done < 0) {
        throw new IOException(baseUrl + " ended its stream without [DONE]");
      }
      long first = -1;
      int chunks = 0;
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < events.size(); i++) {
        JsonNode event = JSON.readTree(events.get(i));
        String content = event.path("choices").path(0).path("delta").path("content").asText("");
        if (!content.isEmpty()) {
          chunks++;
          text.append(content);
          if (first < 0) {
            first = stamps[i];
          }
        }
      }
      check(baseUrl, text.toString());
      if (chunks != expectedChunks) {
        throw new IOException(baseUrl + " streamed " + chunks + " content chunks, not " + expectedChunks);
      }
      return new Streamed(first - t0, done - t0);
    }
  }

  /** How many requests were sent again because of {@link #isPoolRace}. */
  long poolRaceRetries() {
    return poolRaceRetries.get();
  }

  private void retryOrThrow(IOException e, int attempt) throws IOException {
    if (attempt >= TRIES || !isPoolRace(e)) {
      throw e;
    }
    poolRaceRetries.incrementAndGet();
  }

  /**
   * The JDK client's own race on a reused connection (JDK-8357639, seen here on JDK 25.0.3 with
   * 8 clients against the fast upstream): the answer to the new request reaches the idle pool's
   * watcher, which closes the connection as if the server had sent unasked-for data. The server
   * did nothing wrong, so the request is sent again and the retry counted; nothing else is.
   */
  private static boolean isPoolRace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Data received while in pool")) {
        return true;
      }
    }
    return false;
  }

  private void check(URI baseUrl, String text) throws IOException {
    if (!text.equals(expectedText)) {
      throw new IOException(baseUrl + " answered '" + text + "', not '" + expectedText + "'");
    }
  }

  private static boolean startsWith(byte[] b, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] concat(byte[] head, byte[] tail, int tailOffset, int tailLength) {
    byte[] out = Arrays.copyOf(head, head.length + tailLength);
    System.arraycopy(tail, tailOffset, out, head.length, tailLength);
    return out;
  }
}
