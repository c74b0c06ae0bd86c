package dev.shoal.client.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * A response body read into memory up to a cap, so an endless or hostile body cannot exhaust the
 * heap: past the cap it is either cut ({@code overCap} null, for error pages) or refused with
 * {@code overCap}'s exception; either way the rest is not read.
 */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

  private final long cap;
  private final Supplier<? extends RuntimeException> overCap;
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private Flow.Subscription subscription;

  CappedBody(long cap, Supplier<? extends RuntimeException> overCap) {
    this.cap = cap;
    this.overCap = overCap;
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (body.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      int n = b.remaining();
      if (bytes.size() + (long) n > cap) {
        subscription.cancel();
        if (overCap == null) {
          byte[] part = new byte[(int) (cap - bytes.size())];
          b.get(part);
          bytes.writeBytes(part);
          body.complete(bytes.toByteArray());
        } else {
          body.completeExceptionally(overCap.get());
        }
        return;
      }
      byte[] chunk = new byte[n];
      b.get(chunk);
      bytes.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable t) {
    body.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    body.complete(bytes.toByteArray());
  }
}
