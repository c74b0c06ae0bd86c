package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.DType;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Hello;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.security.KeyPair;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class MessageValidatorTest {

  private final MessageValidator v = new MessageValidator(ProtocolLimits.DEFAULT);
  private final AttemptRef ref = AttemptRef.newBuilder().setJobId("j1").setTaskId("t-0").setAttempt(1).build();
  private final dev.shoal.protocol.v1.Tensor tensor =
      WireTensors.toWire(Tensor.float32(Shape.of(2, 2), new float[] {1, 2, 3, 4}));

  private TaskDescriptor.Builder task() {
    return TaskDescriptor.newBuilder()
        .setAttempt(ref)
        .setOperator("tensor.add@1")
        .addInputs(Value.newBuilder().setTensor(tensor))
        .setTimeoutMs(1_000);
  }

  private static void refused(ThrowingCallable call, ErrorCode code, String fragment) {
    assertThatThrownBy(call)
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(((ProtocolViolation) e).code()).isEqualTo(code));
  }

  @Test
  void aWellFormedTaskPasses() {
    assertThatCode(() -> v.checkTask(task().putAttributes("axis", AttributeValue.newBuilder().setIntValue(1).build()).build()))
        .doesNotThrowAnyException();
  }

  @Test
  void idsAreChecked() {
    refused(() -> v.checkAttempt(ref.toBuilder().setJobId("").build()), ErrorCode.ERROR_CODE_MALFORMED, "job_id is missing");
    refused(() -> v.checkAttempt(ref.toBuilder().setTaskId("a/b").build()), ErrorCode.ERROR_CODE_MALFORMED, "outside");
    refused(() -> v.checkAttempt(ref.toBuilder().setTaskId("x".repeat(65)).build()), ErrorCode.ERROR_CODE_MALFORMED, "longer than 64");
    refused(() -> v.checkAttempt(ref.toBuilder().setAttempt(0).build()), ErrorCode.ERROR_CODE_MALFORMED, "attempt must be");
    refused(() -> v.checkAttempt(ref.toBuilder().setTaskId("\u0000evil").build()), ErrorCode.ERROR_CODE_MALFORMED, "\\u0000");
  }

  @Test
  void tensorsAreChecked() {
    refused(() -> v.checkTensor("x", tensor.toBuilder().setDtypeValue(0).build()), ErrorCode.ERROR_CODE_MALFORMED, "dtype");
    refused(() -> v.checkTensor("x", tensor.toBuilder().setDtypeValue(42).build()), ErrorCode.ERROR_CODE_MALFORMED, "dtype");
    refused(() -> v.checkTensor("x", tensor.toBuilder().setData(ByteString.copyFrom(new byte[15])).build()), ErrorCode.ERROR_CODE_MALFORMED, "needs 16 bytes, data has 15");
    refused(() -> v.checkTensor("x", tensor.toBuilder().setShape(0, -1).build()), ErrorCode.ERROR_CODE_MALFORMED, "out of range");
    refused(() -> v.checkTensor("x", tensor.toBuilder().clearShape().addAllShape(java.util.List.of(1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L)).build()), ErrorCode.ERROR_CODE_MALFORMED, "rank 9");
    refused(() -> v.checkTensor("x", tensor.toBuilder().clearShape().addShape(1L << 30).addShape(1L << 30).build()), ErrorCode.ERROR_CODE_TOO_LARGE, "too large");
  }

  @Test
  void tasksAreChecked() {
    refused(() -> v.checkTask(task().setOperator("matmul").build()), ErrorCode.ERROR_CODE_MALFORMED, "name@version");
    refused(() -> v.checkTask(task().setTimeoutMs(0).build()), ErrorCode.ERROR_CODE_MALFORMED, "timeout_ms");
    refused(() -> v.checkTask(task().clearAttempt().build()), ErrorCode.ERROR_CODE_MALFORMED, "no attempt");
    refused(() -> v.checkTask(task().addInputs(Value.getDefaultInstance()).build()), ErrorCode.ERROR_CODE_MALFORMED, "neither");
    refused(() -> v.checkTask(task().putAttributes("Axis", AttributeValue.newBuilder().setIntValue(1).build()).build()), ErrorCode.ERROR_CODE_MALFORMED, "attribute name");
    refused(() -> v.checkTask(task().putAttributes("axis", AttributeValue.getDefaultInstance()).build()), ErrorCode.ERROR_CODE_MALFORMED, "no value");
  }

  @Test
  void dataRefsAreChecked() {
    DataRef good = DataRef.newBuilder().setUri("https://data/x").setDigest("sha256:" + "a".repeat(64)).setSize(10).build();
    assertThatCode(() -> v.checkDataRef("r", good)).doesNotThrowAnyException();
    refused(() -> v.checkDataRef("r", good.toBuilder().setUri("file:///etc/passwd").build()), ErrorCode.ERROR_CODE_MALFORMED, "scheme");
    refused(() -> v.checkDataRef("r", good.toBuilder().setDigest("md5:00").build()), ErrorCode.ERROR_CODE_MALFORMED, "digest");
    refused(() -> v.checkDataRef("r", good.toBuilder().setRange(ByteRange.newBuilder().setOffset(5).setLength(6)).build()), ErrorCode.ERROR_CODE_MALFORMED, "range");
  }

  @Test
  void tensorRefsAreCheckedAgainstTheBytesTheyName() {
    String digest = "sha256:" + "a".repeat(64);
    DataRef part =
        DataRef.newBuilder().setUri("http://data/x").setDigest(digest).setSize(100)
            .setRange(ByteRange.newBuilder().setOffset(20).setLength(16)).setRangeDigest("sha256:" + "b".repeat(64)).build();
    TensorRef good = TensorRef.newBuilder().setDtype(DType.DTYPE_FLOAT32).addShape(2).addShape(2).setData(part).build();
    assertThatCode(() -> v.checkTensorRef("r", good)).doesNotThrowAnyException();
    assertThatCode(() -> v.checkValues("in", java.util.List.of(Value.newBuilder().setTensorRef(good).build())))
        .doesNotThrowAnyException();
    refused(() -> v.checkTensorRef("r", good.toBuilder().addShape(2).build()), ErrorCode.ERROR_CODE_MALFORMED, "needs 32 bytes, data names 16");
    refused(() -> v.checkTensorRef("r", good.toBuilder().setDtypeValue(42).build()), ErrorCode.ERROR_CODE_MALFORMED, "dtype");
    refused(() -> v.checkTensorRef("r", good.toBuilder().clearData().build()), ErrorCode.ERROR_CODE_MALFORMED, "needs data");
    refused(
        () -> v.checkTensorRef("r", good.toBuilder().setData(part.toBuilder().clearRangeDigest()).build()),
        ErrorCode.ERROR_CODE_MALFORMED, "a range needs a range_digest");
    refused(
        () -> v.checkTensorRef("r", good.toBuilder().setData(part.toBuilder().setRangeDigest("sha256:XYZ")).build()),
        ErrorCode.ERROR_CODE_MALFORMED, "range_digest must be");
    DataRef whole = part.toBuilder().clearRange().clearRangeDigest().setSize(16).build();
    assertThatCode(() -> v.checkTensorRef("r", good.toBuilder().setData(whole).build()))
        .as("the whole content needs no range digest")
        .doesNotThrowAnyException();
  }

  @Test
  void acksAreChecked() {
    assertThatCode(() -> v.checkAck(TaskAck.newBuilder().setAttempt(ref).setAccepted(true).build())).doesNotThrowAnyException();
    refused(() -> v.checkAck(TaskAck.newBuilder().setAttempt(ref).build()), ErrorCode.ERROR_CODE_MALFORMED, "must give a reason");
    refused(() -> v.checkAck(TaskAck.newBuilder().setAttempt(ref).setAccepted(true).setReason(RejectReason.REJECT_REASON_AT_CAPACITY).build()), ErrorCode.ERROR_CODE_MALFORMED, "must not give");
    refused(() -> v.checkAck(TaskAck.newBuilder().setAttempt(ref).setReasonValue(77).build()), ErrorCode.ERROR_CODE_MALFORMED, "unknown");
  }

  @Test
  void resultsAreChecked() {
    ResultDescriptor ok = ResultDescriptor.newBuilder().setAttempt(ref).setStatus(ResultStatus.RESULT_STATUS_OK).addOutputs(Value.newBuilder().setTensor(tensor)).build();
    assertThatCode(() -> v.checkResult(ok)).doesNotThrowAnyException();
    refused(() -> v.checkResult(ok.toBuilder().setStatus(ResultStatus.RESULT_STATUS_UNSPECIFIED).build()), ErrorCode.ERROR_CODE_MALFORMED, "status");
    refused(() -> v.checkResult(ok.toBuilder().setStatus(ResultStatus.RESULT_STATUS_FAILED).build()), ErrorCode.ERROR_CODE_MALFORMED, "only an OK result");
    refused(() -> v.checkResult(ok.toBuilder().setSignature(ByteString.copyFrom(new byte[200])).build()), ErrorCode.ERROR_CODE_MALFORMED, "signature");
  }

  @Test
  void chunksAreChecked() {
    OutputChunk c = OutputChunk.newBuilder().setAttempt(ref).setChannel("stdout").build();
    assertThatCode(() -> v.checkChunk(c)).doesNotThrowAnyException();
    refused(() -> v.checkChunk(c.toBuilder().setChannel("video").build()), ErrorCode.ERROR_CODE_MALFORMED, "channel");
    refused(() -> v.checkChunk(c.toBuilder().setData(ByteString.copyFrom(new byte[(1 << 20) + 1])).build()), ErrorCode.ERROR_CODE_TOO_LARGE, "chunk exceeds");
  }

  @Test
  void helloIsOpenedOnlyWithAValidSignatureAndDescriptor() throws Exception {
    KeyPair key = Ed25519.generate();
    NodeDescriptor.Builder node =
        NodeDescriptor.newBuilder()
            .setName("n")
            .setHardware(Hardware.newBuilder().setCores(2))
            .addOperators("tensor.add@1")
            .setMaxConcurrentTasks(2)
            .addProtocolVersions(ProtocolVersions.CURRENT);
    Hello hello = Hellos.sign(node, key);
    NodeDescriptor opened = Hellos.open(hello, v);
    assertThat(opened.getPeerId()).isEqualTo(PeerIds.fromPublicKey(Ed25519.rawPublicKey(key.getPublic())));

    refused(() -> Hellos.open(hello.toBuilder().setNodeDescriptor(ByteString.copyFromUtf8("\u00ff\u00ff")).build(), v), ErrorCode.ERROR_CODE_MALFORMED, "does not parse");
    byte[] tampered = hello.getNodeDescriptor().toByteArray();
    NodeDescriptor changed = NodeDescriptor.parseFrom(tampered).toBuilder().setMaxConcurrentTasks(4000).build();
    refused(() -> Hellos.open(hello.toBuilder().setNodeDescriptor(changed.toByteString()).build(), v), ErrorCode.ERROR_CODE_UNAUTHENTICATED, "signature");
    refused(() -> Hellos.open(Hellos.sign(node.clone().setMaxConcurrentTasks(0), key), v), ErrorCode.ERROR_CODE_MALFORMED, "max_concurrent_tasks");
    refused(() -> Hellos.open(Hellos.sign(node.clone().clearProtocolVersions(), key), v), ErrorCode.ERROR_CODE_MALFORMED, "protocol versions");
    refused(() -> Hellos.open(Hellos.sign(node.clone().addOperators("bad op"), key), v), ErrorCode.ERROR_CODE_MALFORMED, "operator id");
  }
}
