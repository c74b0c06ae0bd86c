package dev.shoal.orchestrator;

import static dev.shoal.orchestrator.MeshFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data service over HTTP: upload, download whole and by range, and what is refused. */
class BlobRoutesTest {

  @TempDir Path dir;
  private MeshFixture mesh;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    mesh = new MeshFixture(dir);
  }

  @AfterEach
  void stop() {
    mesh.close();
    http.close();
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.header("Authorization", "Bearer " + mesh.admin).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.orchestrator.httpPort() + path));
  }

  @Test
  void uploadThenDownloadWholeAndByRange() throws Exception {
    byte[] data = new byte[1_000_000];
    new Random(7).nextBytes(data);
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));

    HttpResponse<byte[]> up = send(at("/v1/blobs").header("Shoal-Content-Sha256", digest).POST(HttpRequest.BodyPublishers.ofByteArray(data)));
    assertThat(up.statusCode()).isEqualTo(201);
    assertThat(new String(up.body())).contains(digest).contains("\"size\":1000000");
    assertThat(send(at("/v1/blobs").POST(HttpRequest.BodyPublishers.ofByteArray(data))).statusCode()).as("already there").isEqualTo(200);

    HttpResponse<byte[]> whole = send(at("/v1/blobs/" + digest));
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo(data);
    assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + digest + "\"");

    HttpResponse<byte[]> part = send(at("/v1/blobs/" + digest).header("Range", "bytes=1000-1999"));
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/1000000");
    assertThat(part.body()).isEqualTo(Arrays.copyOfRange(data, 1000, 2000));
    assertThat(send(at("/v1/blobs/" + digest).header("Range", "bytes=-10")).body()).isEqualTo(Arrays.copyOfRange(data, 999_990, 1_000_000));
    assertThat(send(at("/v1/blobs/" + digest).header("Range", "bytes=999999-")).body()).containsExactly(data[999_999]);

    HttpResponse<byte[]> outside = send(at("/v1/blobs/" + digest).header("Range", "bytes=1000000-"));
    assertThat(outside.statusCode()).isEqualTo(416);
    assertThat(outside.headers().firstValue("Content-Range")).hasValue("bytes */1000000");

    HttpResponse<byte[]> head = send(at("/v1/blobs/" + digest).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(1_000_000);
  }

  @Test
  void aSignedUrlOpensItsRangeWithoutAKeyUntilItExpiresAndNothingElse() throws Exception {
    byte[] data = new byte[10_000];
    new Random(9).nextBytes(data);
    String digest = new String(send(at("/v1/blobs").POST(HttpRequest.BodyPublishers.ofByteArray(data))).body())
        .replaceAll(".*\"sha256\":\"([0-9a-f]{64})\".*", "$1");
    var minted = MeshFixture.MAPPER.readTree(
        send(at("/v1/blobs/" + digest + "/url").POST(HttpRequest.BodyPublishers.ofString("{\"from\": 100, \"to\": 199}"))).body());
    String url = minted.get("url").asText();

    // No key: the signature admits it, to exactly its window.
    HttpResponse<byte[]> got = http.send(at(url).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(got.statusCode()).isEqualTo(206);
    assertThat(got.body()).isEqualTo(Arrays.copyOfRange(data, 100, 200));
    assertThat(http.send(at(url).header("Range", "bytes=150-159").build(), HttpResponse.BodyHandlers.ofByteArray()).body())
        .isEqualTo(Arrays.copyOfRange(data, 150, 160));
    assertThat(http.send(at(url).header("Range", "bytes=0-10").build(), HttpResponse.BodyHandlers.ofByteArray()).statusCode())
        .as("outside the signed window").isEqualTo(416);

    // Tampered: another range, another expiry, another blob, another signature.
    for (String bad : new String[] {
        url.replace("to=199", "to=9999"), url.replaceAll("expires=(\\d+)", "expires=9$1"),
        url.replace("sig=", "sig=0").substring(0, url.length()), url.replace(digest, "0".repeat(64))}) {
      HttpResponse<String> r = http.send(at(bad).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(bad).isIn(403, 404);
      assertThat(r.statusCode() == 403 ? r.body() : "not found").as(bad).containsAnyOf("signature", "not found");
    }

    // Expired: signed with this orchestrator's own key (in its data directory), a moment ago.
    dev.shoal.orchestrator.internal.data.BlobUrls key = dev.shoal.orchestrator.internal.data.BlobUrls.open(dir);
    var past = new dev.shoal.orchestrator.internal.data.BlobUrls.Grant(digest, 0, 9, System.currentTimeMillis() - 1);
    HttpResponse<String> late =
        http.send(at("/v1/blobs/" + digest + "?" + past.query(key.sign(past))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(late.statusCode()).isEqualTo(403);
    assertThat(late.body()).contains("expired");
    // A signed URL reads; it never writes.
    assertThat(http.send(at(url).POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(401);
  }

  @Test
  void aWorkerGetsSignedUrlsForExactlyItsInputsAndAnUploadUrlForItsAttempt() throws Exception {
    int n = 300_000; // 1.2 MB of float32 per operand and for the sum: over the inline limit
    byte[] data = new byte[2 * 4 * n];
    new Random(3).nextBytes(data);
    String sha = new String(send(at("/v1/blobs").POST(HttpRequest.BodyPublishers.ofByteArray(data))).body());
    sha = MeshFixture.MAPPER.readTree(sha).get("sha256").asText();
    MeshFixture.ScriptedWorker w = mesh.worker().connect("", java.util.List.of());
    String job =
        "{\"tasks\": [{\"operator\": \"tensor.add@1\", \"inputs\": ["
            + "{\"blob\": \"sha256:" + sha + "\", \"dtype\": \"float32\", \"shape\": [" + n + "]},"
            + "{\"blob\": \"sha256:" + sha + "\", \"dtype\": \"float32\", \"shape\": [" + n + "], \"offset\": " + 4 * n + "}]}]}";
    json(mesh.send("POST", "/v1/jobs", mesh.admin, null, job), 202);
    var task = w.nextDispatch(10).getDispatch();

    var second = task.getInputs(1).getTensorRef().getData();
    assertThat(second.getRange().getOffset()).isEqualTo(4 * n);
    assertThat(second.getRange().getLength()).isEqualTo(4 * n);
    assertThat(second.getExpiresAtMs()).isGreaterThan(System.currentTimeMillis());
    byte[] slice = Arrays.copyOfRange(data, 4 * n, 8 * n);
    assertThat(second.getRangeDigest())
        .isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(slice)));
    HttpResponse<byte[]> fetched =
        http.send(HttpRequest.newBuilder(URI.create(second.getUri())).header("Range", "bytes=" + 4 * n + "-" + (8 * n - 1)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(fetched.statusCode()).as("no key needed: the URL is the credential").isEqualTo(206);
    assertThat(fetched.body()).isEqualTo(slice);
    HttpResponse<byte[]> beyond =
        http.send(HttpRequest.newBuilder(URI.create(second.getUri())).header("Range", "bytes=0-31").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(beyond.statusCode()).as("only its own range").isEqualTo(416);

    String upload = task.getUploadUrl();
    assertThat(upload).contains("attempt=" + task.getAttempt().getJobId() + ".");
    HttpResponse<byte[]> stored =
        http.send(HttpRequest.newBuilder(URI.create(upload)).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(stored.statusCode()).isEqualTo(201);
    var receipt = MeshFixture.MAPPER.readTree(stored.body());
    assertThat(receipt.get("uri").asText()).isEqualTo("shoal:data/" + receipt.get("digest").asText());

    HttpResponse<String> overBudget =
        // Expect: 100-continue, as the worker's uploader sends it: the refusal comes before the body.
        http.send(HttpRequest.newBuilder(URI.create(upload)).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4 * n - 2])).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(overBudget.statusCode()).as("its output's 1.2 MB in all for this attempt, 3 bytes used").isEqualTo(413);
    assertThat(overBudget.body()).contains("may upload " + 4 * n + " bytes in all");

    String forged = upload.substring(0, upload.length() - 2) + (upload.endsWith("00") ? "11" : "00");
    assertThat(http.send(HttpRequest.newBuilder(URI.create(forged)).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1])).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    String downloadSig = second.getUri().substring(second.getUri().indexOf("sig=") + 4);
    String swapped = upload.substring(0, upload.indexOf("sig=") + 4) + downloadSig;
    assertThat(http.send(HttpRequest.newBuilder(URI.create(swapped)).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1])).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).as("a download grant opens no upload").isEqualTo(403);

    var stats = json(mesh.send("GET", "/v1/data", mesh.admin, null, null), 200);
    assertThat(stats.get("bytes_served").asLong()).isEqualTo(4L * n);
    assertThat(stats.get("bytes_uploaded").asLong()).as("the client's blob and the worker's 3 bytes").isEqualTo(8L * n + 3);
  }

  @Test
  void anEmptyBlobHasASignedUrlToo() throws Exception {
    String sha = MeshFixture.MAPPER.readTree(send(at("/v1/blobs").POST(HttpRequest.BodyPublishers.noBody())).body()).get("sha256").asText();
    HttpResponse<byte[]> made = send(at("/v1/blobs/" + sha + "/url").POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(made.statusCode()).as(new String(made.body())).isEqualTo(201);
    String url = MeshFixture.MAPPER.readTree(made.body()).get("url").asText();
    HttpResponse<byte[]> got = http.send(at(url).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEmpty();
  }

  @Test
  void badNamesWrongDigestsAndStrangersAreRefused() throws Exception {
    assertThat(send(at("/v1/blobs/not-a-digest")).statusCode()).isEqualTo(400);
    assertThat(send(at("/v1/blobs/" + "0".repeat(64))).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> lied = send(at("/v1/blobs").header("Shoal-Content-Sha256", "0".repeat(64))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})));
    assertThat(lied.statusCode()).isEqualTo(400);
    assertThat(new String(lied.body())).contains("not the");
    // Without a key nothing is stored or read.
    HttpResponse<String> anonymous = http.send(
        at("/v1/blobs").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    json(mesh.send("GET", "/v1/health", null, null, null), 200);
  }
}
