package dev.shoal.orchestrator.internal.http;

import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream written straight to the response, for POST routes (Javalin's SSE
 * helper is GET-only). Events are buffered by the caller's batch and flushed together, so a
 * burst of tokens costs one flush, while a lone token is flushed at once.
 */
final class SseStream {

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NL = {'\n'};
  private static final byte[] END = {'\n', '\n'};

  private final OutputStream out;

  /** Sends the headers at once: a client sees the stream open before the first event. */
  SseStream(Context ctx, String... headers) throws IOException {
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType("text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      res.setHeader(headers[i], headers[i + 1]);
    }
    out = res.getOutputStream();
    res.flushBuffer();
  }

  /** A named event. */
  void event(String name, byte[] json) throws IOException {
    out.write(EVENT);
    out.write(name.getBytes(StandardCharsets.US_ASCII));
    out.write(NL);
    data(json);
  }

  /** A named event with an id ({@code Last-Event-ID} on reconnect); an id of 0 is left out. */
  void event(long id, String name, byte[] json) throws IOException {
    if (id > 0) {
      out.write(ID);
      out.write(Long.toString(id).getBytes(StandardCharsets.US_ASCII));
      out.write(NL);
    }
    event(name, json);
  }

  /** An id alone: no event is dispatched, but a client's last event id becomes {@code id}. */
  void id(long id) throws IOException {
    out.write(ID);
    out.write(Long.toString(id).getBytes(StandardCharsets.US_ASCII));
    out.write(END);
  }

  /** A comment line: clients ignore it; it keeps an idle connection open. */
  void comment(String text) throws IOException {
    out.write((": " + text.replace('\n', ' ') + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /** An unnamed event (OpenAI's streams have only these). */
  void data(byte[] payload) throws IOException {
    out.write(DATA);
    out.write(payload);
    out.write(END);
  }

  void flush() throws IOException {
    out.flush();
  }
}
