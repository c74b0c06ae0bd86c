package dev.shoal.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Chunks over the protocol's limit are split, and text is split between characters. */
class ChunkSplitTest {

  @Test
  void dataWithinTheLimitIsOneChunk() {
    assertThat(TaskRunner.splitPoint(new byte[10], 0, 10, 10)).isEqualTo(10);
  }

  @Test
  void asciiSplitsAtTheLimit() {
    byte[] text = "abcdefghij".getBytes(StandardCharsets.UTF_8);
    assertThat(TaskRunner.splitPoint(text, 0, 10, 4)).isEqualTo(4);
    assertThat(TaskRunner.splitPoint(text, 4, 6, 4)).isEqualTo(4);
  }

  @Test
  void aMultiByteCharacterIsNeverCut() {
    // "ab" + "€" (3 bytes) + "c": a 4-byte limit would cut the euro sign after its first byte.
    byte[] text = "ab€c".getBytes(StandardCharsets.UTF_8);
    int n = TaskRunner.splitPoint(text, 0, text.length, 4);
    assertThat(n).isEqualTo(2);
    assertThat(new String(text, 0, n, StandardCharsets.UTF_8)).isEqualTo("ab");
    assertThat(new String(text, n, TaskRunner.splitPoint(text, n, text.length - n, 4), StandardCharsets.UTF_8)).isEqualTo("€c");
  }

  @Test
  void bytesThatAreNotUtf8SplitAtTheLimit() {
    byte[] continuation = new byte[8];
    java.util.Arrays.fill(continuation, (byte) 0x80);
    assertThat(TaskRunner.splitPoint(continuation, 0, 8, 5)).isEqualTo(5);
  }
}
