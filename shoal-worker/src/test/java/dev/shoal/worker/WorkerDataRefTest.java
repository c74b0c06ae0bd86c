package dev.shoal.worker;

import static dev.shoal.worker.Tasks.task;
import static dev.shoal.worker.Tasks.vector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DType;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import dev.shoal.worker.internal.data.BlobServer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Protocol 1.2 through a whole worker: tensor_ref inputs fetched and verified, large outputs uploaded. */
class WorkerDataRefTest extends WorkerTestSupport {

  private BlobServer data;

  @BeforeEach
  void startDataService() throws Exception {
    data = BlobServer.start();
  }

  @AfterEach
  void stopDataService() {
    data.close();
  }

  @Test
  void aTensorRefInputIsFetchedVerifiedAndComputedWith() {
    Worker worker = start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    // Two float32 vectors stored back to back; the task names the second by range.
    byte[] blob = floats(0, 0, 0, 1, 2, 3);
    String digest = data.put(blob);
    Value second = tensorRef(digest, blob, 12, 3);

    s.dispatch(task("t-ref", "tensor.add@1", second, vector(10, 20, 30)).build());
    s.dispatch(task("t-again", "tensor.add@1", second, vector(100, 200, 300)).build());

    assertThat(s.ack("t-ref").getAccepted()).isTrue();
    ResultDescriptor r = s.result("t-ref");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(Tasks.floats(r.getOutputs(0))).containsExactly(11, 22, 33);
    assertThat(Tasks.floats(s.result("t-again").getOutputs(0))).containsExactly(101, 202, 303);
    assertThat(data.requests().getFirst().getFirst("Range")).isEqualTo("bytes=12-23");
    assertThat(data.gets()).as("the second task found the bytes in the cache").isEqualTo(1);
    DataStats stats = worker.dataStats();
    assertThat(stats.requests()).isEqualTo(1);
    assertThat(stats.bytesFetched()).isEqualTo(12);
    assertThat(stats.cacheHits() + stats.sharedDownloads()).isEqualTo(1);
  }

  @Test
  void aTamperedInputEndsTheAttemptDataMismatchWithoutRunningIt() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] blob = floats(1, 2, 3);
    String digest = data.put(blob);
    byte[] other = floats(1, 2, 4);
    data.serveInstead(digest, other);

    s.dispatch(task("t-bad", "tensor.add@1", vector(10, 20, 30), tensorRef(digest, blob, 0, 3)).build());

    assertThat(s.ack("t-bad").getAccepted()).as("nothing is fetched before acceptance").isTrue();
    ResultDescriptor r = s.result("t-bad");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_DATA_MISMATCH);
    assertThat(r.getOutputsCount()).isZero();
    assertThat(r.getDiagnostics().getMessage())
        .startsWith("inputs[1]: ")
        .contains(digest)
        .contains(BlobServer.sha256(other));
    assertThat(ResultSignatures.verify(r, s.node.getPublicKey().toByteArray())).isTrue();
  }

  @Test
  void anInputThatCannotBeFetchedFailsTheAttemptDataUnavailable() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] blob = floats(1, 2, 3);
    String digest = BlobServer.sha256(blob);

    s.dispatch(task("t-gone", "tensor.add@1", tensorRef(digest, blob, 0, 3), vector(1, 1, 1)).build());

    ResultDescriptor r = s.result("t-gone");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_FAILED);
    assertThat(r.getDiagnostics().getErrorKind()).isEqualTo("data_unavailable");
    assertThat(r.getDiagnostics().getMessage()).startsWith("inputs[0]: ").contains("HTTP 404");
  }

  @Test
  void aFetchCutShortByTheTaskTimeoutIsATimeout() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] blob = floats(1, 2, 3);
    String digest = data.put(blob);
    data.stallBeforeHeaders = true;

    s.dispatch(task("t-slow", "tensor.add@1", tensorRef(digest, blob, 0, 3), vector(1, 1, 1)).setTimeoutMs(300).build());

    ResultDescriptor r = s.result("t-slow");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    assertThat(s.results("t-slow")).hasSize(1);
  }

  @Test
  void aTensorRefCountsAgainstMaxTaskBytesBeforeAnythingIsFetched() {
    start(config().maxTaskBytes(4096));
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] blob = floats(new float[1000]);
    String digest = data.put(blob);

    // 4 000 bytes by reference, 4 000 inline, 4 000 of output.
    s.dispatch(task("t-big", "tensor.add@1", tensorRef(digest, blob, 0, 1000), vector(new float[1000])).build());

    assertThat(s.ack("t-big").getReason()).isEqualTo(RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT);
    assertThat(s.ack("t-big").getDetail()).contains("12000");
    assertThat(data.gets()).isZero();
  }

  @Test
  void anOutputOverTheInlineLimitIsUploadedAndNamedByATensorRef() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    int n = 300_000; // 1.2 MB of float32, over the 1 MiB inline limit
    float[] ones = new float[n];
    Arrays.fill(ones, 1);
    byte[] blob = floats(ones);
    String digest = data.put(blob);
    Value input = tensorRef(digest, blob, 0, n);

    s.dispatch(task("t-up", "tensor.add@1", input, input).setUploadUrl(data.uploadUrl()).build());
    s.dispatch(task("t-inline", "tensor.add@1", input, input).build());

    ResultDescriptor up = s.result("t-up");
    assertThat(up.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    TensorRef out = up.getOutputs(0).getTensorRef();
    float[] twos = new float[n];
    Arrays.fill(twos, 2);
    byte[] expected = floats(twos);
    assertThat(out.getDtype()).isEqualTo(DType.DTYPE_FLOAT32);
    assertThat(out.getShapeList()).containsExactly((long) n);
    assertThat(out.getData().getDigest()).isEqualTo(BlobServer.sha256(expected));
    assertThat(out.getData().getSize()).isEqualTo(expected.length);
    assertThat(data.uploads()).singleElement().isEqualTo(expected);
    assertThat(ResultSignatures.verify(up, s.node.getPublicKey().toByteArray())).isTrue();
    ResultDescriptor inline = s.result("t-inline");
    assertThat(inline.getOutputs(0).hasTensor()).as("no upload_url: inline, as before 1.2").isTrue();
    assertThat(Tasks.floats(inline.getOutputs(0))).containsExactly(twos);
  }

  @Test
  void aCheapOperatorWithATensorRefInputIsNotRunInline() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    byte[] blob = floats(1);
    String digest = data.put(blob);

    s.dispatch(task("t-noop", "shoal.noop@1", tensorRef(digest, blob, 0, 1)).build());

    // Inline it would fetch on the transport thread; on a task thread it is acknowledged first.
    assertThat(s.ack("t-noop").getAccepted()).isTrue();
    assertThat(s.result("t-noop").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(data.gets()).isEqualTo(1);
  }

  @Test
  void aByzantineWorkerNamesBytesItNeverUploaded() {
    start(config().byzantine(true));
    FakeOrchestrator.Stream s = fake.stream(0);
    float[] big = new float[300_000];
    Arrays.fill(big, 1);

    s.dispatch(task("t-lie", "tensor.add@1", vector(big), vector(big)).setUploadUrl(data.uploadUrl()).build());

    ResultDescriptor r = s.result("t-lie");
    TensorRef out = r.getOutputs(0).getTensorRef();
    String uploaded = BlobServer.sha256(data.uploads().getFirst());
    assertThat(out.getData().getDigest()).isNotEqualTo(uploaded);
    assertThat(out.getData().getUri()).isEqualTo("shoal:data/" + out.getData().getDigest());
    assertThat(ResultSignatures.verify(r, s.node.getPublicKey().toByteArray())).as("a signed lie").isTrue();
  }

  /** {@code count} float32 values at byte {@code offset} of {@code blob}, stored under {@code digest}. */
  private Value tensorRef(String digest, byte[] blob, int offset, int count) {
    DataRef.Builder ref = DataRef.newBuilder().setUri(data.url(digest)).setDigest(digest).setSize(blob.length);
    if (offset != 0 || count * 4 != blob.length) {
      ref.setRange(ByteRange.newBuilder().setOffset(offset).setLength(count * 4L))
          .setRangeDigest(BlobServer.sha256(Arrays.copyOfRange(blob, offset, offset + count * 4)));
    }
    return Value.newBuilder()
        .setTensorRef(TensorRef.newBuilder().setDtype(DType.DTYPE_FLOAT32).addShape(count).setData(ref))
        .build();
  }

  private static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
