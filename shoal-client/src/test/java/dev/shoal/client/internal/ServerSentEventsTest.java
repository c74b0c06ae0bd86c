package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.client.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {

  @Test
  void readsNamedEventsAndJoinsDataLines() throws IOException {
    List<ServerSentEvents.Event> events =
        all("event: started\ndata: {\"a\":1}\n\n: a comment\nevent:chunk\ndata: one\ndata:two\nid: 7\nretry: 10\n\ndata: x\n\n");

    assertThat(events)
        .containsExactly(
            new ServerSentEvents.Event("started", "{\"a\":1}"),
            new ServerSentEvents.Event("chunk", "one\ntwo"),
            new ServerSentEvents.Event("message", "x"));
  }

  @Test
  void everyLineEndingCountsAndOnlyOneLeadingSpaceIsCut() throws IOException {
    assertThat(all("data:  two spaces\r\n\r\ndata: cr\r\rdata: lf\n\n"))
        .extracting(ServerSentEvents.Event::data)
        .containsExactly(" two spaces", "cr", "lf");
  }

  @Test
  void aCrLfSplitAcrossReadsIsOneLineEnd() throws IOException {
    // Each read returns one byte, so the CR and its LF arrive apart.
    InputStream slow =
        new ByteArrayInputStream("data: a\r\n\r\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8)) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };

    ServerSentEvents sse = new ServerSentEvents(slow, 1 << 20);

    assertThat(sse.next().data()).isEqualTo("a");
    assertThat(sse.next().data()).isEqualTo("b");
    assertThat(sse.next()).isNull();
  }

  @Test
  void eventsWithoutDataAndACutOffEventAreDropped() throws IOException {
    assertThat(all("event: ping\n\n\n\ndata: kept\n\nevent: chunk\ndata: cut off")).extracting(ServerSentEvents.Event::data)
        .containsExactly("kept");
  }

  @Test
  void aLeadingByteOrderMarkAndMultibyteTextAreRead() throws IOException {
    assertThat(all("\uFEFFdata: h\u00e9llo \u2603\n\n")).extracting(ServerSentEvents.Event::data).containsExactly("h\u00e9llo \u2603");
  }

  @Test
  void anEventOverTheCapIsRefused() {
    ServerSentEvents sse = new ServerSentEvents(stream("data: " + "x".repeat(100) + "\n\n"), 64);

    assertThatThrownBy(sse::next).isInstanceOf(ProtocolException.class).hasMessageContaining("over 64 bytes");
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    InputStream bad = new ByteArrayInputStream(new byte[] {'d', 'a', 't', 'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n', '\n'});

    assertThatThrownBy(() -> new ServerSentEvents(bad, 1024).next()).isInstanceOf(ProtocolException.class);
  }

  @Test
  void aReadFailureIsPassedOn() {
    InputStream breaks = new SequenceInputStream(stream("data: a\n\n"), new BrokenStream());
    ServerSentEvents sse = new ServerSentEvents(breaks, 1024);

    assertThatThrownBy(
            () -> {
              assertThat(sse.next().data()).isEqualTo("a");
              sse.next();
            })
        .isInstanceOf(IOException.class)
        .hasMessage("connection reset");
  }

  static final class BrokenStream extends InputStream {
    @Override
    public int read() throws IOException {
      throw new IOException("connection reset");
    }
  }

  private static List<ServerSentEvents.Event> all(String text) throws IOException {
    ServerSentEvents sse = new ServerSentEvents(stream(text), 1 << 20);
    List<ServerSentEvents.Event> out = new ArrayList<>();
    for (ServerSentEvents.Event e = sse.next(); e != null; e = sse.next()) {
      out.add(e);
    }
    return out;
  }

  static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }
}
