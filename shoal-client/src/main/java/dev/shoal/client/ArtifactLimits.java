package dev.shoal.client;

/**
 * Caps on what the SDK writes to disk or holds in memory for a task's artifacts: at most {@code
 * maxEntries} files and {@code maxBytes} bytes in all (counted as written, so a zip bomb stops at
 * the cap, whatever the archive claims).
 */
public record ArtifactLimits(int maxEntries, long maxBytes) {

  /** 10 000 files and 1 GiB. */
  public static final ArtifactLimits DEFAULT = new ArtifactLimits(10_000, 1L << 30);

  public ArtifactLimits {
    // Below 65 535 entries and 4 GiB a zip needs no ZIP64 records, which keeps the reader small.
    if (maxEntries < 1 || maxEntries > 65_000) {
      throw new IllegalArgumentException("maxEntries must be in 1..65000, got " + maxEntries);
    }
    if (maxBytes < 1 || maxBytes > (4L << 30) - 1) {
      throw new IllegalArgumentException("maxBytes must be in 1..4 GiB, got " + maxBytes);
    }
  }
}
