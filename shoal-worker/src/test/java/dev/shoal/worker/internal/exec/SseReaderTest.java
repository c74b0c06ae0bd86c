package dev.shoal.worker.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Server-sent events as the SSE rules read them, whatever line endings a server uses. */
class SseReaderTest {

  private static List<String> read(String stream) throws IOException {
    List<String> events = new ArrayList<>();
    new SseReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), 1024).read(d -> events.add(d));
    return events;
  }

  @Test
  void eachEventsDataIsHandedOverWithOrWithoutTheSpaceAfterTheColon() throws IOException {
    assertThat(read("data: {\"a\":1}\n\ndata:{\"b\":2}\n\n")).containsExactly("{\"a\":1}", "{\"b\":2}");
  }

  @Test
  void crlfLinesCommentsAndOtherFieldsAreHandled() throws IOException {
    assertThat(read(": keep-alive\r\nevent: message\r\nid: 7\r\ndata: x\r\n\r\nretry: 10\r\n\r\n")).containsExactly("x");
  }

  @Test
  void dataLinesOfOneEventAreJoinedWithNewlines() throws IOException {
    assertThat(read("data: one\ndata: two\n\n")).containsExactly("one\ntwo");
  }

  @Test
  void anEventCutOffByTheEndOfTheStreamIsStillHandedOver() throws IOException {
    assertThat(read("data: first\n\ndata: last")).containsExactly("first", "last");
  }

  @Test
  void theHandlerCanStopReadingAndNothingAfterIsRead() throws IOException {
    List<String> seen = new ArrayList<>();
    InputStream in = new ByteArrayInputStream("data: a\n\ndata: [DONE]\n\ndata: after\n\n".getBytes(StandardCharsets.UTF_8));

    boolean stopped = new SseReader(in, 1024).read(d -> seen.add(d) && !d.equals("[DONE]"));

    assertThat(stopped).isTrue();
    assertThat(seen).containsExactly("a", "[DONE]");
  }

  @Test
  void multiByteCharactersSplitAcrossReadsStayWhole() throws IOException {
    byte[] bytes = "data: caf\u00e9 \u20ac\n\n".getBytes(StandardCharsets.UTF_8);
    // One byte per read: every multi-byte character arrives in pieces.
    InputStream trickle = new InputStream() {
      int i;

      @Override
      public int read() {
        return i < bytes.length ? bytes[i++] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (i >= bytes.length) {
          return -1;
        }
        b[off] = bytes[i++];
        return 1;
      }
    };
    List<String> events = new ArrayList<>();

    new SseReader(trickle, 1024).read(events::add);

    assertThat(events).containsExactly("caf\u00e9 \u20ac");
  }

  @Test
  void aLineOverTheLimitIsRefused() {
    assertThatThrownBy(() -> new SseReader(new ByteArrayInputStream(("data: " + "x".repeat(2000) + "\n").getBytes(StandardCharsets.UTF_8)), 1024)
            .read(d -> true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 1024 bytes");
  }
}
