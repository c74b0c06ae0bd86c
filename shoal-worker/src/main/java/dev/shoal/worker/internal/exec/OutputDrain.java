package dev.shoal.worker.internal.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Empties one output pipe of a process on a virtual thread of its own, so the process never
 * blocks on a full pipe whatever it writes: keeps the first {@code captureCap} bytes, streams the
 * first {@code streamCap} bytes as chunks as they are read, remembers the last {@code tailSize}
 * bytes, and reads past the caps only to discard. Thread-safe: the results are read after
 * {@link #join} returned true.
 */
final class OutputDrain {

  private final InputStream in;
  private final ChunkSink sink;
  private final String channel;
  private final long captureCap;
  private final long streamCap;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final byte[] tail;
  private long total;
  private long streamed;
  private final Thread thread;

  private OutputDrain(InputStream in, ChunkSink sink, String channel, long captureCap, long streamCap, int tailSize) {
    this.in = in;
    this.sink = sink;
    this.channel = channel;
    this.captureCap = captureCap;
    this.streamCap = sink == null ? 0 : streamCap;
    this.tail = new byte[tailSize];
    this.thread = Thread.ofVirtual().name("shoal-process-" + channel).unstarted(this::drain);
  }

  /**
   * Starts draining {@code in}.
   *
   * @param sink where to stream, or null for no chunks
   */
  static OutputDrain start(InputStream in, ChunkSink sink, String channel, long captureCap, long streamCap, int tailSize) {
    OutputDrain d = new OutputDrain(in, sink, channel, captureCap, streamCap, tailSize);
    d.thread.start();
    return d;
  }

  private void drain() {
    byte[] buffer = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        take(buffer, n);
      }
    } catch (IOException e) {
      // The pipe was closed under us: the process tree was killed. What was read stands.
    }
  }

  private void take(byte[] b, int n) {
    if (total < captureCap) {
      captured.write(b, 0, (int) Math.min(n, captureCap - total));
    }
    if (streamed < streamCap) {
      int s = (int) Math.min(n, streamCap - streamed);
      sink.send(channel, b, 0, s);
      streamed += s;
    }
    if (tail.length > 0) {
      int keep = Math.min(n, tail.length);
      // Shift left and append: tails are small and this runs once per read.
      System.arraycopy(tail, keep, tail, 0, tail.length - keep);
      System.arraycopy(b, n - keep, tail, tail.length - keep, keep);
    }
    total += n;
  }

  /** Waits up to {@code timeout} for the pipe to reach its end; true if it did. */
  boolean join(Duration timeout) throws InterruptedException {
    return thread.join(timeout);
  }

  void join() throws InterruptedException {
    thread.join();
  }

  /** The first {@code captureCap} bytes. */
  byte[] captured() {
    return captured.toByteArray();
  }

  /** Whether more was written than was captured. */
  boolean truncated() {
    return total > captureCap;
  }

  long total() {
    return total;
  }

  /** The last bytes written, as text (at most the tail size). */
  String tail() {
    int have = (int) Math.min(total, tail.length);
    return new String(tail, tail.length - have, have, StandardCharsets.UTF_8);
  }
}
