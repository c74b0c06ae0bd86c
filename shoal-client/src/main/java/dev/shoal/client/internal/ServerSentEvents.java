package dev.shoal.client.internal;

import dev.shoal.client.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads {@code text/event-stream} (the WHATWG rules): lines end in LF, CR or CRLF; {@code event:}
 * names an event, {@code data:} lines are joined with LF, a blank line dispatches, {@code :}
 * starts a comment; {@code id:} and {@code retry:} are ignored (a follower of the event log resumes
 * from the sequence number in the data, and chooses its own backoff). An
 * event without data is dropped, so is one cut off by the end of the stream. Not thread-safe.
 */
public final class ServerSentEvents implements Closeable {

  /** One dispatched event; {@code name} is {@code "message"} when the stream gave none. */
  public record Event(String name, String data) {}

  private final InputStream in;
  private final int maxEventBytes;
  private final byte[] buffer = new byte[8192];
  private int pos;
  private int limit;
  private boolean lastWasCr;
  private boolean first = true;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder data = new StringBuilder();
  private String name;
  private long eventBytes;

  /** {@code maxEventBytes} caps one event's lines (a result may carry tensors, so it is large). */
  public ServerSentEvents(InputStream in, int maxEventBytes) {
    this.in = in;
    this.maxEventBytes = maxEventBytes;
  }

  /**
   * The next event, or null when the stream ended. Throws {@link IOException} when reading fails
   * and {@link ProtocolException} for an event over the cap or text that is not UTF-8.
   */
  public Event next() throws IOException {
    String l;
    while ((l = readLine()) != null) {
      if (l.isEmpty()) {
        Event e = dispatch();
        if (e != null) {
          return e;
        }
        continue;
      }
      if (l.charAt(0) == ':') {
        continue;
      }
      int colon = l.indexOf(':');
      String field = colon < 0 ? l : l.substring(0, colon);
      String value = colon < 0 ? "" : l.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event" -> name = value;
        case "data" -> data.append(value).append('\n');
        default -> {
          // id, retry and unknown fields: nothing the SDK uses.
        }
      }
    }
    return null;
  }

  private Event dispatch() {
    eventBytes = 0;
    String n = name == null || name.isEmpty() ? "message" : name;
    name = null;
    if (data.isEmpty()) {
      return null;
    }
    String d = data.substring(0, data.length() - 1);
    data.setLength(0);
    return new Event(n, d);
  }

  /** One line without its terminator, or null at the end of the stream. */
  private String readLine() throws IOException {
    line.reset();
    while (true) {
      if (pos == limit) {
        limit = in.read(buffer);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          // A last line without a terminator cannot complete an event: dropped, as the spec says.
          return null;
        }
      }
      byte b = buffer[pos++];
      if (b == '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = b == '\r';
      if (b == '\n' || b == '\r') {
        return decode();
      }
      line.write(b);
      if (++eventBytes > maxEventBytes) {
        throw new ProtocolException(200, "a streamed event is over " + maxEventBytes + " bytes", null);
      }
    }
  }

  private String decode() {
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(line.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(200, "a streamed event is not UTF-8", e);
    }
    if (first) {
      first = false;
      if (s.startsWith("\uFEFF")) {
        s = s.substring(1);
      }
    }
    return s;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
