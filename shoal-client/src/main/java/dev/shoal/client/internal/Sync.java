package dev.shoal.client.internal;

import dev.shoal.client.ShoalException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waits for an async call on behalf of the blocking client, rethrowing its {@link ShoalException} as is. */
public final class Sync {

  private Sync() {}

  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ShoalException s) {
        throw s;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new ShoalException("internal", 0, String.valueOf(cause), false, null, cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      throw Errors.interrupted(e);
    } catch (CancellationException e) {
      throw new ShoalException("interrupted", 0, "the call was cancelled", false, null, e);
    }
  }
}
