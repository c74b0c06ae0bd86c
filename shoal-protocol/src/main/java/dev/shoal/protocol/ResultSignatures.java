package dev.shoal.protocol;

import com.google.protobuf.ByteString;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.Tensor;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;

/**
 * Signs and verifies results. The signature covers a canonical encoding of what a result claims:
 * job and task id, attempt number, status and one SHA-256 digest per output. Protobuf bytes are
 * not canonical (field order and unknown fields may vary), so the encoding is defined here and
 * in PROTOCOL.md "Signatures", byte for byte, for implementations in other languages.
 * Diagnostics are not covered: they are advice, never acted on.
 */
public final class ResultSignatures {

  private static final byte[] CONTEXT = "shoal.v1.result\0".getBytes(StandardCharsets.US_ASCII);
  public static final int DIGEST_BYTES = 32;

  private ResultSignatures() {}

  /** {@code unsigned} with its signature set by {@code key}. */
  public static ResultDescriptor sign(ResultDescriptor unsigned, PrivateKey key) {
    byte[] signature = Ed25519.sign(key, CONTEXT, canonical(unsigned));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /** {@code unsigned} with its signature set by {@code signer} (the fast path for a worker's results). */
  public static ResultDescriptor sign(ResultDescriptor unsigned, Ed25519.Signer signer) {
    byte[] signature = signer.sign(CONTEXT, canonical(unsigned));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /** Whether the result's signature is the verifier's key's over its canonical encoding. */
  public static boolean verify(ResultDescriptor result, Ed25519.Verifier key) {
    return result.getSignature().size() == Ed25519.SIGNATURE_BYTES
        && key.verify(CONTEXT, canonical(result), result.getSignature().toByteArray());
  }

  /** Whether the result's signature is {@code rawPublicKey}'s over its canonical encoding. */
  public static boolean verify(ResultDescriptor result, byte[] rawPublicKey) {
    return result.getSignature().size() == Ed25519.SIGNATURE_BYTES
        && Ed25519.verify(rawPublicKey, CONTEXT, canonical(result), result.getSignature().toByteArray());
  }

  /**
   * The signed bytes: {@code u32 len, job_id, u32 len, task_id, u32 attempt, u32 status, u32
   * outputs, outputs × 32-byte digest}; integers big-endian, strings UTF-8.
   */
  public static byte[] canonical(ResultDescriptor r) {
    byte[] job = r.getAttempt().getJobId().getBytes(StandardCharsets.UTF_8);
    byte[] task = r.getAttempt().getTaskId().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + job.length + 4 + task.length + 12 + r.getOutputsCount() * DIGEST_BYTES);
    b.putInt(job.length).put(job).putInt(task.length).put(task);
    b.putInt(r.getAttempt().getAttempt()).putInt(r.getStatusValue()).putInt(r.getOutputsCount());
    for (Value v : r.getOutputsList()) {
      b.put(outputDigest(v));
    }
    return b.array();
  }

  /**
   * SHA-256 over one output. A tensor: {@code "T", u32 dtype, u32 rank, rank × u64 dim, data}. A
   * DataRef: {@code "R", u32 len, digest, u64 size, u64 range offset, u64 range length, then
   * u32 len, range digest if it has one}. A tensor_ref: {@code "S", u32 dtype, u32 rank, rank × u64 dim}, then its DataRef
   * as above. A blob:
   * {@code "B", u32 len, media type, u32 len, name, data}. An
   * unset value hashes as the single byte {@code "0"}.
   */
  public static byte[] outputDigest(Value v) {
    MessageDigest sha = sha256();
    switch (v.getKindCase()) {
      case TENSOR -> {
        Tensor t = v.getTensor();
        ByteBuffer head = ByteBuffer.allocate(1 + 4 + 4 + 8 * t.getShapeCount());
        head.put((byte) 'T').putInt(t.getDtypeValue()).putInt(t.getShapeCount());
        for (long d : t.getShapeList()) {
          head.putLong(d);
        }
        sha.update(head.array());
        for (ByteBuffer chunk : t.getData().asReadOnlyByteBufferList()) {
          sha.update(chunk);
        }
      }
      case REF -> sha.update(refBytes(v.getRef()));
      case TENSOR_REF -> {
        TensorRef t = v.getTensorRef();
        ByteBuffer head = ByteBuffer.allocate(1 + 4 + 4 + 8 * t.getShapeCount());
        head.put((byte) 'S').putInt(t.getDtypeValue()).putInt(t.getShapeCount());
        for (long d : t.getShapeList()) {
          head.putLong(d);
        }
        sha.update(head.array());
        sha.update(refBytes(t.getData()));
      }
      case BLOB -> {
        Blob blob = v.getBlob();
        byte[] media = blob.getMediaType().getBytes(StandardCharsets.UTF_8);
        byte[] name = blob.getName().getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(1 + 4 + media.length + 4 + name.length);
        head.put((byte) 'B').putInt(media.length).put(media).putInt(name.length).put(name);
        sha.update(head.array());
        for (ByteBuffer chunk : blob.getData().asReadOnlyByteBufferList()) {
          sha.update(chunk);
        }
      }
      case KIND_NOT_SET -> sha.update((byte) '0');
    }
    return sha.digest();
  }

  /**
   * A DataRef's identity: digest, size and range, and the range's digest when it has one (1.2;
   * absent, the 1.0 form is unchanged). Never its URI: that says where, not what.
   */
  private static byte[] refBytes(DataRef ref) {
    byte[] digest = ref.getDigest().getBytes(StandardCharsets.UTF_8);
    byte[] rangeDigest = ref.getRangeDigest().getBytes(StandardCharsets.UTF_8);
    int tail = rangeDigest.length == 0 ? 0 : 4 + rangeDigest.length;
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + digest.length + 24 + tail);
    b.put((byte) 'R').putInt(digest.length).put(digest).putLong(ref.getSize());
    b.putLong(ref.getRange().getOffset()).putLong(ref.getRange().getLength());
    if (tail > 0) {
      b.putInt(rangeDigest.length).put(rangeDigest);
    }
    return b.array();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
