package dev.shoal.orchestrator.internal.store;

/** The store could not do what was asked; the batch was not applied. */
public final class StoreException extends RuntimeException {
  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
