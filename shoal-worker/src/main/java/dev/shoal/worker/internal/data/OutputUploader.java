package dev.shoal.worker.internal.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hands an output too large to travel inline to the data service: POSTs its little-endian bytes
 * to the task's {@code upload_url} and names them in the result as a {@code tensor_ref}. The
 * service answers {@code {"digest", "size", "uri"}}, computed by itself; the worker holds it to
 * the digest it computed, so the ref it signs names exactly the bytes it produced.
 *
 * <p>Thread-safe; {@link #upload} blocks, so it runs on a task thread.
 */
public final class OutputUploader {

  /** The data service's promise header: it stores nothing if the body does not hash to it. */
  static final String SHA256_HEADER = "Shoal-Content-Sha256";

  /** The answer is a few fields; anything longer is not the data service's answer. */
  private static final int MAX_ANSWER = 64 * 1024;

  private static final int MAX_URI = 2048;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final LongAdder uploads = new LongAdder();
  private final LongAdder bytesUploaded = new LongAdder();

  public OutputUploader(HttpClient http) {
    this.http = http;
  }

  /**
   * Uploads {@code t} and returns the {@code tensor_ref} that names it (the whole content, no range).
   *
   * @param timeout the most this may take
   * @throws UploadFailedException refused, unreachable, too slow, or the receipt names other bytes
   * @throws InterruptedException the caller was interrupted; the upload was aborted
   */
  public Value upload(String uploadUrl, Tensor t, Duration timeout) throws UploadFailedException, InterruptedException {
    String where = Exchanges.where(uploadUrl);
    URI uri = Exchanges.httpUrl(uploadUrl);
    if (uri == null) {
      throw new UploadFailedException("upload_url '" + where + "' is not an http(s) URL", false);
    }
    if (!timeout.isPositive()) {
      throw new UploadFailedException("no time was left to upload an output", true);
    }
    byte[] data = t.toLittleEndianBytes();
    String digest = Digests.sha256(data);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/octet-stream")
            .header(SHA256_HEADER, digest.substring("sha256:".length()))
            // The data service may refuse (an expired URL, a spent budget) on the headers alone:
            // then the megabytes are never sent, and the refusal is read, not a reset connection.
            .expectContinue(true)
            .POST(HttpRequest.BodyPublishers.ofByteArray(data))
            .build();
    HttpResponse<byte[]> response;
    try {
      response =
          Exchanges.send(
              http,
              request,
              info -> info.statusCode() == 200 || info.statusCode() == 201
                  ? BoundedBody.atMost(MAX_ANSWER)
                  : BoundedBody.refusing("HTTP " + info.statusCode()),
              timeout);
    } catch (TimeoutException e) {
      throw new UploadFailedException("no answer from " + where + " within " + timeout.toMillis() + " ms", true);
    } catch (IOException e) {
      throw new UploadFailedException("uploading " + data.length + " bytes to " + where + " failed: " + e.getMessage(), false);
    }
    DataRef stored = receipt(response.body(), digest, data.length, where);
    uploads.increment();
    bytesUploaded.add(data.length);
    TensorRef.Builder ref = TensorRef.newBuilder().setDtype(WireTensors.toWire(t.dtype())).setData(stored);
    for (int d : t.shape().dims()) {
      ref.addShape(d);
    }
    return Value.newBuilder().setTensorRef(ref).build();
  }

  /** Outputs uploaded. */
  public long uploads() {
    return uploads.sum();
  }

  /** Bytes of outputs uploaded. */
  public long bytesUploaded() {
    return bytesUploaded.sum();
  }

  /** The service's answer as a DataRef, if it names exactly what was sent. */
  private static DataRef receipt(byte[] body, String digest, long size, String where) throws UploadFailedException {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException e) {
      throw new UploadFailedException(where + " answered the upload with something other than JSON", false);
    }
    String stored = answer == null ? "" : answer.path("digest").asText("");
    long storedSize = answer == null ? -1 : answer.path("size").asLong(-1);
    String uri = answer == null ? "" : answer.path("uri").asText("");
    if (!stored.equals(digest) || storedSize != size) {
      throw new UploadFailedException(
          where + " says it stored " + clip(stored) + " (" + storedSize + " bytes); the worker sent " + digest + " (" + size + " bytes)",
          false);
    }
    if (uri.isEmpty() || uri.length() > MAX_URI) {
      throw new UploadFailedException(where + " answered the upload without a usable uri", false);
    }
    return DataRef.newBuilder().setUri(uri).setDigest(digest).setSize(size).build();
  }

  /** A value from the wire, short enough for a message. */
  private static String clip(String s) {
    return s.length() <= 80 ? s : s.substring(0, 79) + "…";
  }
}
