package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.http.ApiException;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Tensor inputs as a job's tasks carry them. Up to the protocol's inline limit (1 MiB) a tensor
 * travels in the task; above it, it is kept in the data service and the task holds a reference
 * that each worker resolves by a signed URL. A submission may also name a blob uploaded before
 * ({@code {"blob": "sha256:…", "dtype", "shape", "offset"}}), so data larger than a request body
 * never passes through the planner at all.
 */
final class PlannedInputs {

  static final Set<String> BLOB_FIELDS = Set.of("blob", "dtype", "shape", "offset");
  private static final long INLINE = ProtocolLimits.DEFAULT.maxInlineBytes();

  /** One input: its spec, its wire form, and how many bytes it holds inline. */
  record Input(TensorSpec spec, Value wire, long inlineBytes) {}

  /** A stored blob as a tensor: its spec, and where in the blob it starts. */
  record BlobTensor(String sha256, long blobSize, long offset, TensorSpec spec) {}

  private final BlobStore blobs;

  /** {@code blobs} null: no data service, so every input is inline and blob inputs are refused. */
  PlannedInputs(BlobStore blobs) {
    this.blobs = blobs;
  }

  /** A tensor given inline in the submission, or a blob reference. */
  Input parse(JsonNode node, String path) {
    if (node != null && node.isObject() && node.has("blob")) {
      BlobTensor b = blob(node, path);
      return new Input(b.spec, slice(b, 0, b.spec, path), 0);
    }
    return of(TensorJson.parse(node, path));
  }

  /** {@code t} inline, or by reference when it is over the inline limit and there is a store. */
  Input of(Tensor t) {
    if (blobs != null && t.spec().byteSize() > INLINE) {
      BlobStore.Stored s = blobs.put(t.toLittleEndianBytes());
      return new Input(t.spec(), TaskInputs.fromBlob(TaskInputs.digest(s.sha256()), s.size(), 0, null, t.spec()), 0);
    }
    return new Input(t.spec(), Value.newBuilder().setTensor(WireTensors.toWire(t)).build(), t.spec().byteSize());
  }

  /** Reads and checks {@code {"blob", "dtype", "shape", "offset"}}: the blob must hold those bytes. */
  BlobTensor blob(JsonNode node, String path) {
    JobPlanner.checkFields(node, BLOB_FIELDS, path + ".");
    if (blobs == null) {
      throw ApiException.invalidArgument(path + ".blob: this orchestrator has no data service");
    }
    JsonNode digest = node.get("blob");
    String sha = digest.isTextual() ? TaskInputs.sha256(digest.textValue()) : null;
    if (!BlobStore.isDigest(sha)) {
      throw ApiException.invalidArgument(path + ".blob must be \"sha256:<64 lowercase hex digits>\", got " + TensorJson.brief(digest));
    }
    long size = blobs.size(sha);
    if (size < 0) {
      throw ApiException.invalidArgument(path + ".blob " + digest.textValue() + " is not stored here (POST /v1/blobs first)");
    }
    // Used now: a collection spares it until the job that references it is live.
    blobs.touch(sha);
    TensorSpec spec = TensorJson.parseSpec(node, path);
    long offset = JobPlanner.integer(node, "offset", path + ".offset", 0, size, 0);
    if (offset + spec.byteSize() > size) {
      throw ApiException.invalidArgument(
          path + ": " + spec.dtype().wireName() + " " + spec.shape() + " needs " + spec.byteSize() + " bytes from offset "
              + offset + ", but the blob has " + size);
    }
    return new BlobTensor(sha, size, offset, spec);
  }

  /** Bytes {@code [from, from + spec.byteSize())} past the start of blob tensor {@code b}, as a tensor of {@code spec}. */
  Value slice(BlobTensor b, long from, TensorSpec spec, String path) {
    long offset = b.offset + from;
    try {
      String rangeDigest =
          offset == 0 && spec.byteSize() == b.blobSize ? null : TaskInputs.digest(blobs.rangeDigest(b.sha256, offset, spec.byteSize()));
      return TaskInputs.fromBlob(TaskInputs.digest(b.sha256), b.blobSize, offset, rangeDigest, spec);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot read blob " + b.sha256 + ": " + e.getMessage(), e);
    }
  }

  /** Rows {@code [from, to)} of an inline tensor {@code t} whose bytes are {@code all}, along its first axis. */
  Input rows(Tensor t, ByteString all, int from, int to) {
    int[] dims = t.shape().dims().clone();
    long rowBytes = t.spec().byteSize() / Math.max(1, dims[0]);
    dims[0] = to - from;
    ByteString part = all.substring(Math.toIntExact(from * rowBytes), Math.toIntExact(to * rowBytes));
    return of(Tensor.fromLittleEndian(t.dtype(), Shape.of(dims), part.asReadOnlyByteBuffer()));
  }

  /** Rows {@code [from, to)} of a blob tensor, by reference: a row range is a byte range. */
  Input rows(BlobTensor b, int from, int to, String path) {
    int[] dims = b.spec.shape().dims().clone();
    long rowBytes = b.spec.byteSize() / Math.max(1, dims[0]);
    dims[0] = to - from;
    TensorSpec spec = new TensorSpec(b.spec.dtype(), Shape.of(dims));
    return new Input(spec, slice(b, from * rowBytes, spec, path), 0);
  }
}
