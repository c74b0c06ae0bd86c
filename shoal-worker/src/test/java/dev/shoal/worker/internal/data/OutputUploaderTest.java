package dev.shoal.worker.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.v1.DType;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Outputs handed to the data service come back as tensor_refs naming exactly the bytes sent. */
class OutputUploaderTest {

  private final BlobServer server = start();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final OutputUploader uploader = new OutputUploader(http);
  private final Tensor tensor = Tensor.float32(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});

  @AfterEach
  void stop() {
    http.shutdownNow();
    server.close();
  }

  @Test
  void anUploadedOutputBecomesATensorRefToWhatTheServiceStored() throws Exception {
    Value v = uploader.upload(server.uploadUrl(), tensor, Duration.ofSeconds(10));

    byte[] sent = tensor.toLittleEndianBytes();
    String digest = BlobServer.sha256(sent);
    assertThat(server.uploads()).singleElement().isEqualTo(sent);
    assertThat(server.requests().getFirst().getFirst("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(server.requests().getFirst().getFirst("Shoal-Content-Sha256")).isEqualTo(digest.substring(7));
    TensorRef ref = v.getTensorRef();
    assertThat(ref.getDtype()).isEqualTo(DType.DTYPE_FLOAT32);
    assertThat(ref.getShapeList()).containsExactly(2L, 3L);
    assertThat(ref.getData().getDigest()).isEqualTo(digest);
    assertThat(ref.getData().getSize()).isEqualTo(24);
    assertThat(ref.getData().getUri()).isEqualTo("shoal:data/" + digest);
    assertThat(ref.getData().hasRange()).isFalse();
    assertThat(uploader.uploads()).isEqualTo(1);
    assertThat(uploader.bytesUploaded()).isEqualTo(24);
  }

  @Test
  void aReceiptNamingOtherBytesIsRefused() {
    server.uploadReceiptDigest = "sha256:" + "0".repeat(64);

    UploadFailedException e =
        catchThrowableOfType(UploadFailedException.class, () -> uploader.upload(server.uploadUrl(), tensor, Duration.ofSeconds(10)));

    assertThat(e).hasMessageContaining("sha256:" + "0".repeat(64)).hasMessageContaining(BlobServer.sha256(tensor.toLittleEndianBytes()));
    assertThat(e.gaveUp()).isFalse();
    assertThat(uploader.uploads()).isZero();
  }

  @Test
  void aRefusedUploadFails() {
    String wrongPath = server.uploadUrl().replace("/v1/uploads", "/v1/nowhere");

    assertThat(catchThrowableOfType(UploadFailedException.class, () -> uploader.upload(wrongPath, tensor, Duration.ofSeconds(10))))
        .hasMessageContaining("HTTP 404")
        .hasMessageNotContaining("sig=test");
  }

  private static BlobServer start() {
    try {
      return BlobServer.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
