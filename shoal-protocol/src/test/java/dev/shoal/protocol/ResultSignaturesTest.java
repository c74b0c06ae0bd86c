package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.Diagnostics;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Value;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ResultSignaturesTest {

  private static final KeyPair KEY = Ed25519.generate();
  private static final byte[] PUBLIC = Ed25519.rawPublicKey(KEY.getPublic());

  private static ResultDescriptor unsigned() {
    return ResultDescriptor.newBuilder()
        .setAttempt(AttemptRef.newBuilder().setJobId("j1").setTaskId("t-0").setAttempt(2))
        .setStatus(ResultStatus.RESULT_STATUS_OK)
        .addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(Tensor.float32(Shape.of(2), new float[] {11, 22}))))
        .setDiagnostics(Diagnostics.newBuilder().setMessage("ok").setRunMicros(5))
        .build();
  }

  @Test
  void aSignedResultVerifiesWithItsKeyOnly() {
    ResultDescriptor signed = ResultSignatures.sign(unsigned(), KEY.getPrivate());
    assertThat(signed.getSignature().size()).isEqualTo(Ed25519.SIGNATURE_BYTES);
    assertThat(ResultSignatures.verify(signed, PUBLIC)).isTrue();
    assertThat(ResultSignatures.verify(signed, Ed25519.rawPublicKey(Ed25519.generate().getPublic()))).isFalse();
    assertThat(ResultSignatures.verify(unsigned(), PUBLIC)).as("no signature at all").isFalse();
    assertThat(ResultSignatures.sign(unsigned(), KEY.getPrivate())).as("Ed25519 is deterministic").isEqualTo(signed);
  }

  @Test
  void thePreparedSignerAndVerifierAgreeWithTheOneShotFunctions() {
    Ed25519.Signer signer = Ed25519.signer(KEY);
    ResultDescriptor signed = ResultSignatures.sign(unsigned(), signer);
    assertThat(signed).as("the same deterministic signature").isEqualTo(ResultSignatures.sign(unsigned(), KEY.getPrivate()));
    assertThat(ResultSignatures.verify(signed, Ed25519.verifier(PUBLIC))).isTrue();
    assertThat(ResultSignatures.verify(signed, Ed25519.verifier(Ed25519.rawPublicKey(Ed25519.generate().getPublic()))))
        .isFalse();
    ResultDescriptor tampered = signed.toBuilder().setStatus(ResultStatus.RESULT_STATUS_FAILED).build();
    assertThat(ResultSignatures.verify(tampered, Ed25519.verifier(PUBLIC))).isFalse();
    // A key that is no point (or a small-order one) refuses everything rather than throwing.
    byte[] notAPoint = new byte[32];
    java.util.Arrays.fill(notAPoint, (byte) 0xff);
    byte[] identity = new byte[32];
    identity[0] = 1;
    assertThat(ResultSignatures.verify(signed, Ed25519.verifier(notAPoint))).isFalse();
    assertThat(ResultSignatures.verify(signed, Ed25519.verifier(identity))).isFalse();
    assertThat(ResultSignatures.verify(signed, Ed25519.verifier(new byte[31]))).isFalse();
    // And a signer refuses a key pair whose halves do not belong together.
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Ed25519.signer(new KeyPair(Ed25519.generate().getPublic(), KEY.getPrivate())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void changingAnythingSignedBreaksTheSignatureButDiagnosticsAreNotSigned() {
    ResultDescriptor signed = ResultSignatures.sign(unsigned(), KEY.getPrivate());
    List<UnaryOperator<ResultDescriptor.Builder>> tampers =
        List.of(
            b -> b.setAttempt(b.getAttempt().toBuilder().setJobId("j2")),
            b -> b.setAttempt(b.getAttempt().toBuilder().setTaskId("t-1")),
            b -> b.setAttempt(b.getAttempt().toBuilder().setAttempt(1)),
            b -> b.setStatus(ResultStatus.RESULT_STATUS_FAILED),
            b -> b.setOutputs(0, Value.newBuilder().setTensor(b.getOutputs(0).getTensor().toBuilder().setData(flip(b.getOutputs(0).getTensor().getData())))),
            b -> b.setOutputs(0, Value.newBuilder().setTensor(b.getOutputs(0).getTensor().toBuilder().setShape(0, 1).addShape(2))),
            b -> b.setOutputs(0, Value.newBuilder().setTensor(b.getOutputs(0).getTensor().toBuilder().setDtypeValue(3))),
            b -> b.addOutputs(b.getOutputs(0)),
            b -> b.clearOutputs(),
            b -> b.setSignature(flip(b.getSignature())));
    for (UnaryOperator<ResultDescriptor.Builder> tamper : tampers) {
      assertThat(ResultSignatures.verify(tamper.apply(signed.toBuilder()).build(), PUBLIC)).isFalse();
    }
    ResultDescriptor advice = signed.toBuilder().setDiagnostics(Diagnostics.newBuilder().setMessage("other")).build();
    assertThat(ResultSignatures.verify(advice, PUBLIC)).isTrue();
  }

  @Test
  void theCanonicalEncodingIsTheDocumentedLayout() throws Exception {
    byte[] tensor = ResultSignatures.outputDigest(unsigned().getOutputs(0));
    ByteBuffer head = ByteBuffer.allocate(1 + 4 + 4 + 8).put((byte) 'T').putInt(1).putInt(1).putLong(2);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(head.array());
    sha.update(unsigned().getOutputs(0).getTensor().getData().toByteArray());
    assertThat(tensor).isEqualTo(sha.digest());

    ByteBuffer expected = ByteBuffer.allocate(4 + 2 + 4 + 3 + 12 + 32);
    expected.putInt(2).put("j1".getBytes(StandardCharsets.UTF_8)).putInt(3).put("t-0".getBytes(StandardCharsets.UTF_8));
    expected.putInt(2).putInt(ResultStatus.RESULT_STATUS_OK_VALUE).putInt(1).put(tensor);
    assertThat(HexFormat.of().formatHex(ResultSignatures.canonical(unsigned())))
        .isEqualTo(HexFormat.of().formatHex(expected.array()));
  }

  @Test
  void tensorRefsAreDigestedByShapeAndReferenceNotByWhereTheyLive() {
    DataRef ref =
        DataRef.newBuilder().setUri("shoal:data/sha256:" + "a".repeat(64)).setDigest("sha256:" + "a".repeat(64)).setSize(16).build();
    dev.shoal.protocol.v1.TensorRef t =
        dev.shoal.protocol.v1.TensorRef.newBuilder().setDtype(dev.shoal.protocol.v1.DType.DTYPE_FLOAT32).addShape(4).setData(ref).build();
    byte[] d = ResultSignatures.outputDigest(Value.newBuilder().setTensorRef(t).build());
    byte[] moved = ResultSignatures.outputDigest(
        Value.newBuilder().setTensorRef(t.toBuilder().setData(ref.toBuilder().setUri("https://elsewhere/x"))).build());
    assertThat(moved).as("the URI is where, not what").isEqualTo(d);
    assertThat(ResultSignatures.outputDigest(Value.newBuilder().setTensorRef(t.toBuilder().setShape(0, 2).addShape(2)).build()))
        .as("the same bytes as another shape are another output").isNotEqualTo(d);
    assertThat(ResultSignatures.outputDigest(Value.newBuilder().setRef(ref).build()))
        .as("a tensor_ref is not the bare DataRef it wraps").isNotEqualTo(d);
    assertThat(ResultSignatures.outputDigest(
            Value.newBuilder().setTensorRef(t.toBuilder().setData(ref.toBuilder().setDigest("sha256:" + "b".repeat(64)))).build()))
        .isNotEqualTo(d);
  }

  @Test
  void dataRefsAreDigestedByReferenceNotByContent() throws Exception {
    DataRef ref = DataRef.newBuilder().setUri("https://x/y").setDigest("sha256:" + "a".repeat(64)).setSize(9).build();
    byte[] d = ResultSignatures.outputDigest(Value.newBuilder().setRef(ref).build());
    byte[] digest = ref.getDigest().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + digest.length + 24).put((byte) 'R').putInt(digest.length).put(digest);
    b.putLong(9).putLong(0).putLong(0);
    assertThat(d).isEqualTo(MessageDigest.getInstance("SHA-256").digest(b.array()));
    byte[] moved = ResultSignatures.outputDigest(Value.newBuilder().setRef(ref.toBuilder().setUri("https://elsewhere")).build());
    assertThat(moved).as("the URI is where, not what").isEqualTo(d);
    byte[] resized = ResultSignatures.outputDigest(Value.newBuilder().setRef(ref.toBuilder().setSize(10)).build());
    assertThat(resized).isNotEqualTo(d);
  }

  private static ByteString flip(ByteString b) {
    byte[] bytes = b.toByteArray();
    bytes[bytes.length - 1] ^= 1;
    return ByteString.copyFrom(bytes);
  }
}
