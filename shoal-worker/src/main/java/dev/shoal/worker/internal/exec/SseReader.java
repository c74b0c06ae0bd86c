package dev.shoal.worker.internal.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads server-sent events from a response body as they arrive and hands over each event's data:
 * nothing is held back beyond the line being read. {@code data:} lines of one event are joined
 * with newlines (the SSE rule); comments and other fields are ignored. Bytes are pulled from a
 * stream ({@link #read}) or pushed as they come ({@link #feed}, then {@link #end}). Not
 * thread-safe.
 */
final class SseReader {

  /** What to do with one event's data; false stops reading. */
  interface Handler {
    boolean onData(String data);
  }

  private final InputStream in;
  private final int maxLine;
  private boolean stopped;
  private final byte[] buffer = new byte[8192];
  private byte[] line = new byte[256];
  private int lineLength;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /** Reads {@code in}, refusing any line longer than {@code maxLine} bytes. */
  SseReader(InputStream in, int maxLine) {
    this.in = in;
    this.maxLine = maxLine;
  }

  /** A reader of bytes pushed to it with {@link #feed}, refusing lines longer than {@code maxLine}. */
  SseReader(int maxLine) {
    this(InputStream.nullInputStream(), maxLine);
  }

  /**
   * Takes the next bytes of the body; false once the handler has said stop (the rest is not
   * looked at).
   *
   * @throws IOException if a line is too long
   */
  boolean feed(java.nio.ByteBuffer bytes, Handler handler) throws IOException {
    while (!stopped && bytes.hasRemaining()) {
      int n = Math.min(bytes.remaining(), buffer.length);
      bytes.get(buffer, 0, n);
      if (!consume(n, handler)) {
        stopped = true;
      }
    }
    return !stopped;
  }

  /** The body ended: hands over an event not yet closed by a blank line; true if the handler said stop. */
  boolean end(Handler handler) {
    if (stopped) {
      return true;
    }
    stopped = true;
    if (lineLength > 0 && !line(new String(line, 0, lineLength, StandardCharsets.UTF_8), handler)) {
      return true;
    }
    return hasData && !dispatch(handler);
  }

  /**
   * Reads until the handler says stop (true) or the stream ends (false). An event not yet closed
   * by a blank line when the stream ends is still handed over.
   *
   * @throws IOException if reading fails or a line is too long
   */
  boolean read(Handler handler) throws IOException {
    int n;
    while ((n = in.read(buffer)) >= 0) {
      if (!consume(n, handler)) {
        return true;
      }
    }
    return end(handler);
  }

  /** The first {@code n} bytes of the buffer; false if the handler asked to stop. */
  private boolean consume(int n, Handler handler) throws IOException {
    for (int i = 0; i < n; i++) {
      byte b = buffer[i];
      if (b != '\n') {
        append(b);
        continue;
      }
      int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
      String text = new String(line, 0, end, StandardCharsets.UTF_8);
      lineLength = 0;
      if (!line(text, handler)) {
        return false;
      }
    }
    return true;
  }

  private void append(byte b) throws IOException {
    if (lineLength == line.length) {
      if (lineLength >= maxLine) {
        throw new IOException("a server-sent event line is longer than " + maxLine + " bytes");
      }
      line = Arrays.copyOf(line, Math.min(maxLine, lineLength * 2));
    }
    line[lineLength++] = b;
  }

  /** One complete line; false if the handler asked to stop. */
  private boolean line(String text, Handler handler) {
    if (text.isEmpty()) {
      return !hasData || dispatch(handler);
    }
    if (text.startsWith("data:")) {
      String value = text.substring(5);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
    // Comments (":") and the event, id and retry fields carry nothing an OpenAI stream needs.
    return true;
  }

  private boolean dispatch(Handler handler) {
    String d = data.toString();
    data.setLength(0);
    hasData = false;
    return handler.onData(d);
  }
}
