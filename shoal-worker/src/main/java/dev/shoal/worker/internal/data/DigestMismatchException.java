package dev.shoal.worker.internal.data;

/**
 * Bytes arrived in full but do not hash to the digest their ref promised: whoever served them,
 * or the ref, is wrong, and no retry of the same ref can fix it.
 */
public final class DigestMismatchException extends DataException {

  private final String expected;
  private final String actual;

  DigestMismatchException(String where, String expected, String actual) {
    super(where + " hashes to " + actual + ", not to the promised " + expected);
    this.expected = expected;
    this.actual = actual;
  }

  /** The digest the ref promised, {@code sha256:<hex>}. */
  public String expected() {
    return expected;
  }

  /** The digest of what arrived, {@code sha256:<hex>}. */
  public String actual() {
    return actual;
  }
}
