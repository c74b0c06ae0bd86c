package dev.shoal.worker.internal.data;

/**
 * Why the bytes a DataRef names could not be used: they were had and did not match ({@link
 * DigestMismatchException}), or they could not be had at all ({@link DataUnavailableException}).
 * The two end an attempt differently, so callers switch over them.
 */
public abstract sealed class DataException extends Exception
    permits DigestMismatchException, DataUnavailableException {

  DataException(String message) {
    super(message);
  }
}
