package dev.shoal.worker.internal;

import io.grpc.SynchronizationContext;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serializes every outbound write, in order, without a thread of its own: the caller runs the
 * write itself unless another thread is already writing, in which case the write is queued for
 * that thread. So an ack or a small result goes out from the thread that made it (no hop per
 * message), and a thread busy writing a large result never blocks the others: they queue and
 * return. After {@link #shutdown} new writes are refused; queued ones still go out.
 */
final class OutboundWriter implements Executor {

  private static final Logger log = LoggerFactory.getLogger(OutboundWriter.class);

  private final SynchronizationContext context =
      new SynchronizationContext((t, e) -> log.warn("event=write_failed thread={} message=\"{}\"", t.getName(), e.getMessage(), e));
  private volatile boolean shutdown;

  @Override
  public void execute(Runnable write) {
    if (shutdown) {
      throw new RejectedExecutionException("the worker has stopped writing");
    }
    context.execute(write);
  }

  void shutdown() {
    shutdown = true;
  }
}
