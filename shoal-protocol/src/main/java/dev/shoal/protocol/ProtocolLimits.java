package dev.shoal.protocol;

/**
 * Size limits every received message is checked against before use. The defaults are the
 * protocol's; a deployment may lower them, never raise them past what peers expect.
 */
public record ProtocolLimits(
    int maxMessageBytes,
    int maxIdLength,
    int maxValues,
    int maxAttributes,
    int maxAttributeInts,
    int maxStringLength,
    int maxDetailLength,
    int maxOperators,
    int maxModels,
    int maxChunkBytes,
    long maxTimeoutMillis,
    int maxAttempt,
    int maxConcurrentTasks,
    long maxInlineBytes) {

  /**
   * The limits of protocol 1.2. {@code maxInlineBytes} (1 MiB): a task input or result output
   * larger than this must travel as a tensor_ref, not inline.
   */
  public static final ProtocolLimits DEFAULT =
      new ProtocolLimits(
          64 << 20, 64, 64, 32, 64, 256, 4096, 256, 256, 1 << 20, 24L * 3600 * 1000, 10_000, 4096, 1L << 20);
}
