package dev.shoal.worker.internal.exec;

/**
 * Where a job's streamed output goes: each call becomes one or more {@code OutputChunk}s (split
 * at the protocol's chunk limit), numbered and sent in call order before the result. Calls after
 * the attempt has ended are dropped. Thread-safe.
 */
public interface ChunkSink {

  String TOKENS = "tokens";
  String STDOUT = "stdout";
  String STDERR = "stderr";

  void send(String channel, byte[] data, int offset, int length);
}
