package dev.shoal.worker.internal.data;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body (the data service's answer to an upload) read into one array, never past a
 * bound: a body longer than allowed is refused the moment it crosses the bound (the exchange is
 * cancelled, so the rest is never downloaded). Flow delivers signals one at a time, so the state
 * needs no lock.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

  /** Why a body was refused; the fetcher and uploader turn it into their own failures. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private final int limit;
  private final String refusal;
  private byte[] buffer;
  private int filled;
  private Flow.Subscription subscription;

  private BoundedBody(int limit, String refusal) {
    this.limit = limit;
    this.refusal = refusal;
    // The size is not known: the buffer grows as the body arrives.
    this.buffer = new byte[Math.min(limit, 8192)];
  }

  /** Up to {@code n} bytes. */
  static BoundedBody atMost(int n) {
    return new BoundedBody(n, null);
  }

  /** Refuses the body before reading any of it (a wrong status). */
  static BoundedBody refusing(String why) {
    return new BoundedBody(0, why);
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (refusal != null) {
      s.cancel();
      body.completeExceptionally(new Refused(refusal));
      return;
    }
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (body.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      int n = b.remaining();
      if (n > limit - filled) {
        subscription.cancel();
        body.completeExceptionally(new Refused("the body is longer than the " + limit + " bytes expected"));
        return;
      }
      if (filled + n > buffer.length) {
        buffer = Arrays.copyOf(buffer, (int) Math.min(limit, Math.max((long) buffer.length * 2, filled + n)));
      }
      b.get(buffer, filled, n);
      filled += n;
    }
  }

  @Override
  public void onError(Throwable t) {
    body.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    body.complete(filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled));
  }
}
