package dev.shoal.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Chains calls so that the future a caller gets fails with the {@link
 * dev.shoal.client.ShoalException} itself, as every future of the SDK does, not wrapped in a
 * {@link CompletionException} as {@code thenApply}/{@code thenCompose} would; and runs blocking
 * work (files, streamed bodies) off the caller's thread.
 */
public final class Futures {

  private Futures() {}

  /** {@code first}'s value passed to {@code next}; a failure of either, or a throw from {@code next}, as is. */
  public static <T, U> CompletableFuture<U> compose(CompletableFuture<T> first, Function<? super T, CompletableFuture<U>> next) {
    CompletableFuture<U> out = new CompletableFuture<>();
    first.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            out.completeExceptionally(unwrap(failure));
            return;
          }
          CompletableFuture<U> second;
          try {
            second = next.apply(value);
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
          }
          second.whenComplete((u, f) -> {
            if (f != null) {
              out.completeExceptionally(unwrap(f));
            } else {
              out.complete(u);
            }
          });
        });
    return out;
  }

  /** {@code first}'s value mapped by {@code map}; a failure of either as is. */
  public static <T, U> CompletableFuture<U> map(CompletableFuture<T> first, Function<? super T, ? extends U> map) {
    return compose(first, v -> CompletableFuture.completedFuture(map.apply(v)));
  }

  /**
   * Runs {@code work} on a new virtual thread (blocking I/O there costs no platform thread); the
   * future fails with what it throws.
   */
  public static <T> CompletableFuture<T> onVirtualThread(String name, Supplier<T> work) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              try {
                out.complete(work.get());
              } catch (RuntimeException | Error e) {
                out.completeExceptionally(e);
              }
            });
    return out;
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
