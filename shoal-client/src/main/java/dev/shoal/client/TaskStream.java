package dev.shoal.client;

import dev.shoal.client.internal.TaskEvents;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The events of a streamed task as they arrive: {@link StreamEvent.Started}, {@link
 * StreamEvent.Chunk}s, then one {@link StreamEvent.Result} or {@link StreamEvent.Error}, after
 * which iteration ends. Iterate it once, in a try-with-resources: closing it early (a {@code
 * break}) releases the connection; the task itself goes on unless cancelled. Iteration throws
 * {@link ConnectionException} when the connection breaks before the terminal event, and {@link
 * ProtocolException} for an event it cannot decode. Not thread-safe.
 */
public final class TaskStream implements Iterable<StreamEvent>, AutoCloseable {

  private final TaskEvents events;
  private final Iterator<StreamEvent> iterator = new Events();
  private boolean iterated;
  private StreamEvent next;
  private boolean done;

  TaskStream(TaskEvents events) {
    this.events = events;
  }

  /** The one iterator over this stream; a second call throws {@link IllegalStateException}. */
  @Override
  public Iterator<StreamEvent> iterator() {
    if (iterated) {
      throw new IllegalStateException("a task stream can be iterated once");
    }
    iterated = true;
    return iterator;
  }

  /**
   * Reads the rest of the stream and returns the task's result, or throws the error it ended with
   * (e.g. {@link TaskFailedException}). Events already taken from the iterator are not seen again.
   */
  public TaskResult result() {
    iterated = true;
    while (iterator.hasNext()) {
      switch (iterator.next()) {
        case StreamEvent.Result r -> {
          return r.result();
        }
        case StreamEvent.Error err -> throw err.exception();
        default -> {
          // Started and chunks: only the end matters here.
        }
      }
    }
    throw new ConnectionException("the stream was closed before the task's result", null);
  }

  private final class Events implements Iterator<StreamEvent> {
    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = events.next();
        done = next == null;
      }
      return next != null;
    }

    @Override
    public StreamEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException("the stream has ended");
      }
      StreamEvent e = next;
      next = null;
      return e;
    }
  }

  /** Releases the connection; iteration then ends. */
  @Override
  public void close() {
    done = true;
    events.close();
  }
}
