package dev.shoal.worker.internal.data;

/** An output could not be handed to the data service, or the service's receipt did not match it. */
public final class UploadFailedException extends Exception {

  private final boolean gaveUp;

  UploadFailedException(String message, boolean gaveUp) {
    super(message);
    this.gaveUp = gaveUp;
  }

  /** Whether the uploader stopped waiting (deadline, interrupt) rather than the service failing. */
  public boolean gaveUp() {
    return gaveUp;
  }
}
