package dev.shoal.worker.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DataRef;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fetching what a DataRef names: verified, bounded in bytes and time, refused early when it cannot be right. */
class DataFetcherTest {

  private final BlobServer server = start();
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final DataFetcher fetcher = new DataFetcher(clock::get);
  private final byte[] content = bytes(1000);
  private final String digest = server.put(content);

  @AfterEach
  void stop() {
    http.shutdownNow();
    server.close();
  }

  @Test
  void aWholeRefIsFetchedWithoutARangeAndVerified() throws Exception {
    byte[] got = fetcher.fetch(whole().build(), Duration.ofSeconds(10));

    assertThat(got).isEqualTo(content);
    assertThat(server.requests().getFirst().containsKey("Range")).isFalse();
    assertThat(fetcher.requests()).isEqualTo(1);
    assertThat(fetcher.bytesFetched()).isEqualTo(1000);
  }

  @Test
  void aRangeIsFetchedAloneAndVerifiedAgainstItsOwnDigest() throws Exception {
    byte[] part = Arrays.copyOfRange(content, 100, 300);

    byte[] got = fetcher.fetch(range(100, 200).build(), Duration.ofSeconds(10));

    assertThat(got).isEqualTo(part);
    assertThat(server.requests().getFirst().getFirst("Range")).isEqualTo("bytes=100-299");
    assertThat(fetcher.bytesFetched()).as("only the range travelled").isEqualTo(200);
  }

  @Test
  void theRefsHeadersAreSent() throws Exception {
    fetcher.fetch(whole().putHeaders("Authorization", "Bearer grant-1").build(), Duration.ofSeconds(10));

    assertThat(server.requests().getFirst().getFirst("Authorization")).isEqualTo("Bearer grant-1");
  }

  @Test
  void tamperedBytesAreADigestMismatchNamingBothDigests() {
    byte[] other = content.clone();
    other[150] ^= 1;
    server.serveInstead(digest, other);
    DataRef ref = range(100, 200).build();

    DigestMismatchException e =
        catchThrowableOfType(DigestMismatchException.class, () -> fetcher.fetch(ref, Duration.ofSeconds(10)));

    assertThat(e.expected()).isEqualTo(ref.getRangeDigest());
    assertThat(e.actual()).isEqualTo(BlobServer.sha256(Arrays.copyOfRange(other, 100, 300)));
    assertThat(e.getMessage()).contains(e.expected()).contains(e.actual()).doesNotContain("sig=test");
  }

  @Test
  void anUnverifiedTransferMovesTheRangeUncheckedButStillChecksTheAnswer() throws Exception {
    byte[] other = content.clone();
    other[150] ^= 1;
    server.serveInstead(digest, other);
    byte[] into = new byte[256];

    int moved = fetcher.transferUnverified(range(100, 200).build(), Duration.ofSeconds(10), into);

    assertThat(moved).isEqualTo(200);
    assertThat(Arrays.copyOf(into, 200)).as("no digest was checked").isEqualTo(Arrays.copyOfRange(other, 100, 300));
    server.ignoreRange = true;
    assertThat(
            catchThrowableOfType(
                DataUnavailableException.class,
                () -> fetcher.transferUnverified(range(0, 10).build(), Duration.ofSeconds(10), into)))
        .hasMessageContaining("HTTP 200");
  }

  @Test
  void anExpiredRefIsRefusedWithoutARequest() {
    DataRef ref = whole().setExpiresAtMs(clock.get()).build();

    DataUnavailableException e =
        catchThrowableOfType(DataUnavailableException.class, () -> fetcher.fetch(ref, Duration.ofSeconds(10)));

    assertThat(e).hasMessageContaining("expired");
    assertThat(e.gaveUp()).isFalse();
    assertThat(server.gets()).isZero();
    assertThat(fetcher.requests()).isZero();
  }

  @Test
  void aRefThatExpiresLaterIsFetched() throws Exception {
    assertThat(fetcher.fetch(whole().setExpiresAtMs(clock.get() + 1).build(), Duration.ofSeconds(10))).isEqualTo(content);
  }

  @Test
  void onlyHttpUrlsAreFetched() {
    DataRef ref = whole().setUri("shoal:data/" + digest).build();

    assertThat(catchThrowableOfType(DataUnavailableException.class, () -> fetcher.fetch(ref, Duration.ofSeconds(10))))
        .hasMessageContaining("http(s)");
    assertThat(server.gets()).isZero();
  }

  @Test
  void aBodyShorterThanTheRefSaysIsRefused() {
    DataRef ref = whole().setSize(1004).build();

    assertThat(catchThrowableOfType(DataUnavailableException.class, () -> fetcher.fetch(ref, Duration.ofSeconds(10))))
        .hasMessageContaining("Content-Length 1000");
  }

  @Test
  void aWholeBodyAnsweringARangeRequestIsRefusedUnread() {
    server.ignoreRange = true;

    assertThat(
            catchThrowableOfType(
                DataUnavailableException.class, () -> fetcher.fetch(range(0, 10).build(), Duration.ofSeconds(10))))
        .hasMessageContaining("HTTP 200");
    assertThat(fetcher.bytesFetched()).isZero();
  }

  @Test
  void anHttpErrorIsUnavailableNotAGiveUp() {
    server.status = 403;

    DataUnavailableException e =
        catchThrowableOfType(DataUnavailableException.class, () -> fetcher.fetch(whole().build(), Duration.ofSeconds(10)));

    assertThat(e).hasMessageContaining("HTTP 403");
    assertThat(e.gaveUp()).isFalse();
  }

  @Test
  void aServerThatNeverAnswersIsGivenUpOnAtTheDeadline() {
    server.stallBeforeHeaders = true;

    assertGivesUpWithin(Duration.ofMillis(300));
  }

  @Test
  void aServerThatStallsMidBodyIsGivenUpOnAtTheDeadline() {
    // The request's own timeout ends at the headers; the body needs the fetcher's deadline.
    server.stallAfterBytes = 500;

    assertGivesUpWithin(Duration.ofMillis(300));
  }

  @Test
  void emptyContentNeedsNoRequestButStillItsDigest() throws Exception {
    DataRef empty = DataRef.newBuilder().setUri(server.url(digest)).setDigest(BlobServer.sha256(new byte[0])).build();

    assertThat(fetcher.fetch(empty, Duration.ofSeconds(10))).isEmpty();
    assertThat(catchThrowableOfType(
            DigestMismatchException.class, () -> fetcher.fetch(empty.toBuilder().setDigest(digest).build(), Duration.ofSeconds(10))))
        .isNotNull();
    assertThat(server.gets()).isZero();
  }

  private void assertGivesUpWithin(Duration timeout) {
    long started = System.nanoTime();

    DataUnavailableException e =
        catchThrowableOfType(DataUnavailableException.class, () -> fetcher.fetch(whole().build(), timeout));

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(e.gaveUp()).isTrue();
    assertThat(e).hasMessageContaining("within 300 ms");
    assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(Duration.ofSeconds(5));
  }

  private DataRef.Builder whole() {
    return DataRef.newBuilder().setUri(server.url(digest)).setDigest(digest).setSize(content.length);
  }

  private DataRef.Builder range(int offset, int length) {
    return whole()
        .setRange(ByteRange.newBuilder().setOffset(offset).setLength(length))
        .setRangeDigest(BlobServer.sha256(Arrays.copyOfRange(content, offset, offset + length)));
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  private static BlobServer start() {
    try {
      return BlobServer.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
