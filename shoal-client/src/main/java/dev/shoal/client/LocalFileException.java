package dev.shoal.client;

/**
 * A local file could not be read or written: a blob to upload, or the file a download goes to
 * ({@code local_file}, no status). A download that fails leaves its target as it was.
 */
public class LocalFileException extends ShoalException {
  public LocalFileException(String message, Throwable cause) {
    super("local_file", 0, message, false, null, cause);
  }
}
