package dev.shoal.worker.internal.data;

/**
 * The bytes could not be had: a refused or expired ref, an HTTP error, a body of the wrong
 * length, a broken connection, or no answer before the deadline.
 */
public final class DataUnavailableException extends DataException {

  private final boolean gaveUp;

  DataUnavailableException(String message, boolean gaveUp) {
    super(message);
    this.gaveUp = gaveUp;
  }

  static DataUnavailableException refused(String message) {
    return new DataUnavailableException(message, false);
  }

  /**
   * Whether the requester stopped waiting (its deadline passed, or it was interrupted) rather
   * than the data service failing: this says nothing about the data, so another requester with
   * more time may try again (see {@link DataCache}).
   */
  public boolean gaveUp() {
    return gaveUp;
  }
}
