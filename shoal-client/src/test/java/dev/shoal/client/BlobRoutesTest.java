package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's side of the data service against a stub that speaks API.md "Data service" (uploads
 * with a promised digest, downloads whole or by {@code Range}, signed URLs, stats, collection):
 * what each call sends, what it makes of the answer, and what it does when the answer is wrong.
 */
class BlobRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  @TempDir Path dir;

  private HttpServer server;
  private ShoalClient client;
  /** What the stub holds, by hex digest. */
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  /** Every request: method, path and query, and the headers the tests look at. */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Bytes served instead of the stored ones, by digest: a server gone wrong. */
  private final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
  private volatile boolean ignoreRanges;

  record Seen(String method, String target, String range, String sha256Header, String contentType, long bodyBytes, String body) {}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
    client =
        ShoalClient.create(
            ShoalClientOptions.builder()
                .baseUrl(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .noApiKey()
                .timeout(Duration.ofSeconds(20))
                .build());
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  // ---------------------------------------------------------------- uploads and whole downloads

  @Test
  void aFileGoesUpWithItsDigestAndComesBackVerified() throws Exception {
    byte[] bytes = random(3 << 20, 1);
    Path file = Files.write(dir.resolve("rows.bin"), bytes);

    BlobInfo stored = client.blobs().put(file);

    String sha = sha256(bytes);
    assertThat(stored).isEqualTo(new BlobInfo(sha, bytes.length, "sha256:" + sha));
    Seen upload = seen.getLast();
    assertThat(upload.method()).isEqualTo("POST");
    assertThat(upload.target()).isEqualTo("/v1/blobs");
    assertThat(upload.sha256Header()).as("the digest is promised").isEqualTo(sha);
    assertThat(upload.contentType()).isEqualTo("application/octet-stream");
    assertThat(upload.bodyBytes()).isEqualTo(bytes.length);

    Path back = dir.resolve("back.bin");
    assertThat(client.blobs().get(stored.digest(), back)).isEqualTo(bytes.length);
    assertThat(Files.readAllBytes(back)).isEqualTo(bytes);
    assertThat(seen.getLast().target()).isEqualTo("/v1/blobs/" + sha);
    assertThat(seen.getLast().range()).as("a whole download asks for no range").isNull();
    assertThat(client.blobs().put(new byte[] {1, 2, 3}).sha256()).isEqualTo(sha256(new byte[] {1, 2, 3}));
  }

  @Test
  void bytesThatDoNotHashToTheirNameAreRefusedAndTheTargetIsLeftAlone() throws Exception {
    byte[] bytes = random(100_000, 2);
    String sha = client.blobs().put(bytes).sha256();
    byte[] other = bytes.clone();
    other[12_345] ^= 1;
    corrupt.put(sha, other);
    Path target = Files.writeString(dir.resolve("kept.txt"), "what was here before");

    assertThatThrownBy(() -> client.blobs().get(sha, target))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("hash to " + sha256(other));

    assertThat(Files.readString(target)).isEqualTo("what was here before");
    try (var files = Files.list(dir)) {
      assertThat(files).as("no partial file left behind").containsExactly(target);
    }
  }

  @Test
  void localFilesThatCannotBeReadOrWrittenAreLocalFileExceptions() throws Exception {
    assertThatThrownBy(() -> client.blobs().put(dir.resolve("missing.bin")))
        .isInstanceOf(LocalFileException.class)
        .hasMessageContaining("missing.bin");
    String sha = client.blobs().put(new byte[] {7}).sha256();
    assertThatThrownBy(() -> client.blobs().get(sha, dir))
        .isInstanceOf(LocalFileException.class)
        .hasMessageContaining("is a directory");
    assertThatThrownBy(() -> client.blobs().get("sha256:abc", dir.resolve("x")))
        .as("a malformed name is refused before any request")
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- ranges

  @Test
  void aRangedReadAsksForExactlyItsBytes() throws Exception {
    byte[] bytes = random(10_000, 3);
    String sha = client.blobs().put(bytes).sha256();

    assertThat(client.blobs().read(sha, 100, 50)).isEqualTo(Arrays.copyOfRange(bytes, 100, 150));
    assertThat(seen.getLast().range()).isEqualTo("bytes=100-149");
    assertThat(client.blobs().read("sha256:" + sha, 9_990, 100))
        .as("a range past the end is cut at the end, as HTTP does")
        .isEqualTo(Arrays.copyOfRange(bytes, 9_990, 10_000));
    assertThatThrownBy(() -> client.blobs().read(sha, 10_000, 1))
        .isInstanceOfSatisfying(RangeNotSatisfiableException.class, e -> assertThat(e.status()).isEqualTo(416));

    Path part = dir.resolve("part.bin");
    assertThat(client.blobs().get(sha, 4_096, 4_096, part)).isEqualTo(4_096);
    assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOfRange(bytes, 4_096, 8_192));
  }

  @Test
  void aServerThatIgnoresTheRangeIsNotTakenAtItsWord() throws Exception {
    byte[] bytes = random(1_000, 4);
    String sha = client.blobs().put(bytes).sha256();
    ignoreRanges = true;

    assertThatThrownBy(() -> client.blobs().read(sha, 10, 10))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("does not start at byte 10");
    Path part = dir.resolve("head.bin");
    assertThat(client.blobs().get(sha, 0, 100, part)).as("from 0, the whole blob's first bytes are the range").isEqualTo(100);
    assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOf(bytes, 100));
  }

  @Test
  void aStoredTensorIsReadFromItsRange() {
    Tensor t = Tensor.int32(Shape.of(2, 3), new int[] {1, 2, 3, 4, 5, 6});
    byte[] bytes = new byte[8 + 24];
    ByteBuffer.wrap(bytes, 8, 24).order(ByteOrder.LITTLE_ENDIAN).put(t.toLittleEndianBytes());
    BlobInfo b = client.blobs().put(bytes);

    Tensor back = client.blobs().readTensor(b.asTensor(DType.INT32, Shape.of(2, 3), 8));

    assertThat(back.toIntArray()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(seen.getLast().range()).isEqualTo("bytes=8-31");
    assertThatThrownBy(() -> client.blobs().readTensor(b.asTensor(DType.INT32, Shape.of(3, 3), 8)))
        .as("a blob shorter than the tensor")
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("needs 36");
    StoredTensor ref = client.blobs().putTensor(t);
    assertThat(ref.offset()).isZero();
    assertThat(client.blobs().readTensor(ref).toIntArray()).containsExactly(1, 2, 3, 4, 5, 6);
  }

  // ---------------------------------------------------------------- URLs, stats, collection

  @Test
  void aSignedUrlIsWholeAndSaysWhatItOpens() throws Exception {
    String sha = client.blobs().put(random(64, 5)).sha256();

    BlobUrl url = client.blobs().url(sha, 8, 15, Duration.ofMinutes(5));

    assertThat(url.url().toString()).startsWith(client.options().baseUrl() + "/v1/blobs/" + sha + "?").contains("sig=");
    assertThat(url.from()).isEqualTo(8);
    assertThat(url.to()).isEqualTo(15);
    assertThat(url.expiresAt()).isEqualTo(1_700_000_300_000L);
    assertThat(JSON.readTree(seen.getLast().body())).isEqualTo(JSON.readTree("{\"from\": 8, \"to\": 15, \"ttl_ms\": 300000}"));
    client.blobs().url(sha, null);
    assertThat(seen.getLast().body()).as("the whole blob, the default lifetime").isEqualTo("{}");
  }

  @Test
  void statsAndCollection() {
    assertThat(client.blobs().stats()).isEqualTo(new DataStats(1, 2, 3));
    assertThat(client.blobs().collect()).isEqualTo(new BlobCollection(4, 5000, 6));
    assertThat(seen.getLast().method()).isEqualTo("POST");
    assertThat(seen.getLast().target()).isEqualTo("/v1/blobs/gc");
  }

  // ---------------------------------------------------------------- the stub

  private void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    String target = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
    seen.add(new Seen(
        method, target, ex.getRequestHeaders().getFirst("Range"), ex.getRequestHeaders().getFirst("Shoal-Content-Sha256"),
        ex.getRequestHeaders().getFirst("Content-Type"), body.length, new String(body, StandardCharsets.UTF_8)));
    try {
      if (method.equals("POST") && path.equals("/v1/blobs")) {
        String sha = sha256(body);
        String promised = ex.getRequestHeaders().getFirst("Shoal-Content-Sha256");
        if (promised != null && !promised.equals(sha)) {
          error(ex, 400, "invalid_argument", "the body hashes to " + sha);
          return;
        }
        boolean created = blobs.putIfAbsent(sha, body) == null;
        json(ex, created ? 201 : 200, Map.of("sha256", sha, "size", body.length, "digest", "sha256:" + sha, "uri", "shoal:data/sha256:" + sha));
      } else if (method.equals("POST") && path.equals("/v1/blobs/gc")) {
        json(ex, 200, Map.of("deleted", 4, "bytes_freed", 5000, "kept", 6));
      } else if (method.equals("POST") && path.endsWith("/url")) {
        String sha = path.split("/")[3];
        JsonNode req = JSON.readTree(body);
        long from = req.path("from").asLong(0);
        long to = req.path("to").asLong(blobs.get(sha).length - 1);
        json(ex, 201, Map.of(
            "url", "/v1/blobs/" + sha + "?from=" + from + "&to=" + to + "&expires=1700000300000&sig=abc",
            "from", from, "to", to, "expires_at", 1_700_000_300_000L));
      } else if (method.equals("GET") && path.equals("/v1/data")) {
        json(ex, 200, Map.of("bytes_served", 1, "bytes_uploaded", 2, "validation_bytes_read", 3));
      } else if (method.equals("GET") && path.startsWith("/v1/blobs/")) {
        String sha = path.substring("/v1/blobs/".length());
        byte[] bytes = corrupt.getOrDefault(sha, blobs.get(sha));
        if (bytes == null) {
          error(ex, 404, "not_found", "no blob " + sha);
          return;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (range == null || ignoreRanges) {
          ex.sendResponseHeaders(200, bytes.length);
          ex.getResponseBody().write(bytes);
        } else {
          Matcher m = RANGE.matcher(range);
          assertThat(m.matches()).as(range).isTrue();
          int from = Integer.parseInt(m.group(1));
          int to = Math.min(bytes.length - 1, Integer.parseInt(m.group(2)));
          if (from >= bytes.length) {
            ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
            error(ex, 416, "range_not_satisfiable", "blob " + sha + " has " + bytes.length + " bytes");
            return;
          }
          ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + bytes.length);
          ex.sendResponseHeaders(206, to - from + 1);
          ex.getResponseBody().write(bytes, from, to - from + 1);
        }
      } else {
        error(ex, 404, "not_found", "no route " + method + " " + path);
      }
    } finally {
      ex.close();
    }
  }

  private static void json(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    json(ex, status, Map.of("error", Map.of("code", code, "message", message)));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
