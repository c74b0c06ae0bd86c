package dev.shoal.orchestrator.internal.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage-collects the data service: a blob goes once no unfinished job reads or produced it and
 * nobody has used it for the grace period (the result retention, so finished jobs' outputs stay
 * readable as long as their results do). Runs off the core's thread; the core only lists what is live.
 */
public final class BlobCollector {

  private static final Logger log = LoggerFactory.getLogger(BlobCollector.class);

  private final BlobStore blobs;
  private final Supplier<CompletableFuture<Set<String>>> live;
  private final long graceMillis;

  public BlobCollector(BlobStore blobs, Supplier<CompletableFuture<Set<String>>> live, long graceMillis) {
    this.blobs = blobs;
    this.live = live;
    this.graceMillis = graceMillis;
  }

  /** One collection, now. */
  public BlobStore.Collected collect() {
    Set<String> referenced;
    try {
      referenced = live.get().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing live blobs", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list live blobs: " + e, e);
    }
    try {
      BlobStore.Collected c = blobs.collect(referenced::contains, graceMillis);
      if (c.deleted() > 0) {
        log.info("event=blobs_collected deleted={} bytes_freed={} kept={}", c.deleted(), c.bytesFreed(), c.kept());
      }
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot collect blobs: " + e.getMessage(), e);
    }
  }
}
