package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ConnectionException;
import dev.shoal.client.ProtocolException;
import dev.shoal.client.ShoalException;
import dev.shoal.client.StreamEvent;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The events of one {@code POST /v1/tasks/stream} answer, decoded: {@link #next()} gives each
 * until the terminal result or error, then null. A stream that ends (or breaks) before its
 * terminal event is a {@link ConnectionException}: the task may still be running. Events this
 * SDK does not know are skipped, so the orchestrator may add some. Not thread-safe, except {@link
 * #close()}, which may come from any thread.
 */
public final class TaskEvents implements EventPublisher.Source<StreamEvent> {

  private final ServerSentEvents events;
  private final ObjectMapper mapper;
  private final String what;
  private volatile boolean closed;
  private boolean released;
  private boolean ended;

  public TaskEvents(InputStream body, ObjectMapper mapper, String what) {
    this.events = new ServerSentEvents(body, (int) Transport.MAX_JSON_BYTES);
    this.mapper = mapper;
    this.what = what;
  }

  /** The next event, or null after the terminal one or once closed. */
  @Override
  public StreamEvent next() {
    if (ended || closed) {
      return null;
    }
    try {
      while (true) {
        ServerSentEvents.Event e = events.next();
        if (e == null) {
          ended = true;
          release();
          throw new ConnectionException("the stream of " + what + " ended before the task's result or error", null);
        }
        StreamEvent decoded = decode(e);
        if (decoded != null) {
          if (decoded.terminal()) {
            ended = true;
            release();
          }
          return decoded;
        }
      }
    } catch (IOException e) {
      ended = true;
      release();
      if (closed) {
        // The caller closed the stream under a blocked read: that is the end, not a failure.
        return null;
      }
      throw Errors.transport(what, e);
    } catch (ShoalException e) {
      ended = true;
      release();
      throw e;
    }
  }


  private StreamEvent decode(ServerSentEvents.Event e) {
    JsonNode d;
    try {
      d = mapper.readTree(e.data());
    } catch (IOException bad) {
      throw new ProtocolException(200, "a '" + e.name() + "' event of " + what + " is not JSON", bad);
    }
    if (d == null || !d.isObject()) {
      throw new ProtocolException(200, "a '" + e.name() + "' event of " + what + " is not a JSON object", null);
    }
    try {
      return switch (e.name()) {
        case "started" ->
            new StreamEvent.Started(
                Decoding.text(d, "id", "a started event"), Decoding.workerRef(d.path("worker")), d.path("attempt").asInt());
        case "chunk" -> new StreamEvent.Chunk(d.path("attempt").asInt(), channel(d), Decoding.text(d, "text", "a chunk"));
        case "result" -> new StreamEvent.Result(Decoding.taskResult(d));
        case "error" -> {
          JsonNode error = d.path("error");
          yield new StreamEvent.Error(
              Decoding.optionalText(d.path("id")), Decoding.text(error, "code", "an error event"),
              error.path("message").asText(""));
        }
        default -> null;
      };
    } catch (ProtocolException bad) {
      throw new ProtocolException(200, "a malformed '" + e.name() + "' event of " + what + ": " + bad.getMessage(), bad);
    }
  }

  private static StreamEvent.Channel channel(JsonNode d) {
    String c = d.path("channel").asText("");
    return switch (c) {
      case "tokens", "stdout", "stderr" -> StreamEvent.Channel.valueOf(c.toUpperCase(Locale.ROOT));
      default -> throw Decoding.malformed("unknown chunk channel '" + c + "'");
    };
  }

  /** Releases the connection; a read blocked in another thread then fails and {@link #next()} ends. */
  @Override
  public void close() {
    closed = true;
    release();
  }

  private synchronized void release() {
    if (!released) {
      released = true;
      try {
        events.close();
      } catch (IOException e) {
        // Releasing only; nothing more will be read.
      }
    }
  }
}
