package dev.shoal.worker.internal.exec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ChunkSink} that keeps every chunk, in order, for a test to read. */
final class RecordingSink implements ChunkSink {

  record Chunk(String channel, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  final List<Chunk> chunks = new CopyOnWriteArrayList<>();

  @Override
  public void send(String channel, byte[] data, int offset, int length) {
    chunks.add(new Chunk(channel, Arrays.copyOfRange(data, offset, offset + length)));
  }

  /** Everything sent on {@code channel}, concatenated. */
  byte[] bytes(String channel) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    chunks.stream().filter(c -> c.channel().equals(channel)).forEach(c -> b.writeBytes(c.data()));
    return b.toByteArray();
  }

  String text(String channel) {
    return new String(bytes(channel), StandardCharsets.UTF_8);
  }

  long count(String channel) {
    return chunks.stream().filter(c -> c.channel().equals(channel)).count();
  }
}
