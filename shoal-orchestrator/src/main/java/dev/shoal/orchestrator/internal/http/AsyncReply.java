package dev.shoal.orchestrator.internal.http;

import io.grpc.SynchronizationContext;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import io.javalin.http.Context;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A response written by whichever thread has the next bytes, without ever blocking it: servlet
 * non-blocking output, with the bytes queued while the client's socket is full. The core hands a
 * task's answer and tokens to this from its own thread, so an answer reaches the socket without
 * waking a request thread first (on two vCPUs each such hand-over cost ~0.1 ms, BENCHMARKS.md "A
 * request's path"), and a client that stops reading cannot stall the core: past {@link
 * #MAX_QUEUED_BYTES} the reply gives up on it.
 *
 * <p>Everything that touches the response runs in one {@link SynchronizationContext}: the thread
 * that finds it idle does the work, any other only queues it. The head (status, headers) is applied
 * just before the first byte goes out; until {@link #arm} the response is not touched at all.
 */
final class AsyncReply implements WriteListener {

  private static final Logger log = LoggerFactory.getLogger(AsyncReply.class);
  /** Bytes waiting for a client that does not read; beyond it the client is dropped. */
  static final long MAX_QUEUED_BYTES = 1L << 20;

  private final SynchronizationContext serial =
      new SynchronizationContext((t, e) -> log.warn("event=async_reply_failed error=\"{}\"", e.toString(), e));
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final Runnable onGone;
  private HttpServletResponse response;
  /** Jetty's, for {@code write(ByteBuffer)}: it sends at once, where a small array would wait in its buffer for a flush. */
  private HttpOutput out;
  private Head head;
  private boolean headApplied;
  private boolean flushHead;
  private long queued;
  private boolean closing;
  private boolean ended;
  private boolean pumpPending;

  /** Status, content type, headers (name, value pairs) and the body's length if known (else -1). */
  record Head(int status, String contentType, long contentLength, String... headers) {}

  /** @param onGone run once if the client goes away or stops reading before the reply ended */
  AsyncReply(Runnable onGone) {
    this.onGone = onGone;
  }

  /**
   * Hands the response over to this reply, from the request's handler: the request stays open
   * until the reply ends, and the handler's thread goes back to the server at once.
   */
  void arm(Context ctx) {
    ctx.skipRemainingHandlers();
    ctx.future(() -> {
      HttpServletResponse res = ctx.res();
      serial.execute(() -> {
        try {
          response = res;
          out = (HttpOutput) res.getOutputStream();
          out.setWriteListener(this);
        } catch (IOException | RuntimeException e) {
          gone(e);
        }
        pump();
      });
      return done;
    });
  }

  /** Sets the head; with {@code early}, it goes out before any body byte (an event stream opening). */
  void head(Head head, boolean early) {
    serial.execute(() -> {
      if (!headApplied) {
        this.head = head;
        flushHead = early;
        pump();
      }
    });
  }

  /** Bytes to append to the body. Never blocks; the bytes go out in order, as the client reads. */
  void send(byte[] bytes) {
    serial.execute(() -> {
      if (ended) {
        return;
      }
      queue.add(ByteBuffer.wrap(bytes));
      queued += bytes.length;
      if (queued > MAX_QUEUED_BYTES) {
        gone(new IOException("the client read nothing of the last " + queued + " bytes"));
        return;
      }
      pumpSoon();
    });
  }

  /**
   * Pumps at once, or, on a network event loop (the core runs on gRPC's), once the loop has
   * handled what it read: the tokens that came in one read from a worker leave in one write, as
   * Netty's flush consolidation does, instead of a write and a client wake-up each. Only for
   * bytes more may follow: an end goes out at once, ahead of the core's bookkeeping that follows
   * it on the same thread.
   */
  private void pumpSoon() {
    if (pumpPending) {
      return;
    }
    Executor loop = ThreadExecutorMap.currentExecutor();
    if (loop == null) {
      pump();
      return;
    }
    pumpPending = true;
    loop.execute(() -> serial.execute(() -> {
      pumpPending = false;
      pump();
    }));
  }

  /** A whole answer: head, body, end. */
  void reply(int status, String contentType, byte[] body, String... headers) {
    head(new Head(status, contentType, body.length, headers), false);
    send(body);
    end();
  }

  /** Ends the response once the queued bytes are out. */
  void end() {
    serial.execute(() -> {
      closing = true;
      pump();
    });
  }

  /** Runs {@code then} once the reply ended (written out, or the client gone). */
  void whenEnded(Runnable then) {
    done.whenComplete((v, e) -> then.run());
  }

  @Override
  public void onWritePossible() {
    serial.execute(this::pump);
  }

  @Override
  public void onError(Throwable t) {
    serial.execute(() -> gone(t));
  }

  /** Writes what it can now; the server calls {@link #onWritePossible} when it can write more. */
  private void pump() {
    if (out == null || ended) {
      return;
    }
    try {
      if (!headApplied && head != null && (flushHead || !queue.isEmpty() || closing)) {
        apply(head);
        headApplied = true;
        if (flushHead && queue.isEmpty() && out.isReady()) {
          out.flush();
        }
      }
      while (!queue.isEmpty() && out.isReady()) {
        ByteBuffer next = take();
        out.write(next);
      }
      if (closing && queue.isEmpty() && out.isReady()) {
        ended = true;
        // The client has every byte; Javalin and Jetty complete the request on this thread,
        // never blocking.
        done.complete(null);
      }
    } catch (IOException | RuntimeException e) {
      gone(e);
    }
  }

  /** Everything queued, as one buffer: a burst of tokens costs one write. */
  private ByteBuffer take() {
    if (queue.size() == 1) {
      queued = 0;
      return queue.poll();
    }
    ByteBuffer all = ByteBuffer.allocate((int) queued);
    while (!queue.isEmpty()) {
      all.put(queue.poll());
    }
    queued = 0;
    return all.flip();
  }

  private void apply(Head h) {
    response.setStatus(h.status());
    response.setContentType(h.contentType());
    if (h.contentLength() >= 0) {
      response.setContentLengthLong(h.contentLength());
    }
    for (int i = 0; i + 1 < h.headers().length; i += 2) {
      response.setHeader(h.headers()[i], h.headers()[i + 1]);
    }
  }

  private void gone(Throwable why) {
    if (ended) {
      return;
    }
    ended = true;
    queue.clear();
    queued = 0;
    log.debug("event=client_gone reason=\"{}\"", why.getMessage());
    try {
      onGone.run();
    } finally {
      // Completing with a write still pending makes the server abort the connection.
      done.complete(null);
    }
  }
}
