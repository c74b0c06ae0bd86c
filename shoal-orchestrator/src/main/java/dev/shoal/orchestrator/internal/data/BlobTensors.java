package dev.shoal.orchestrator.internal.data;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.acceptance.StoredTensors;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TensorRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/** Tensors read from the blob store for validation, with the bytes read counted. Thread-safe. */
public final class BlobTensors implements StoredTensors {

  private final BlobStore blobs;
  private final LongAdder bytesRead = new LongAdder();

  public BlobTensors(BlobStore blobs) {
    this.blobs = blobs;
  }

  @Override
  public Tensor read(TensorRef ref) {
    DataRef data = ref.getData();
    if (!data.getUri().startsWith(TaskInputs.DATA_PREFIX) || !data.getDigest().startsWith("sha256:")) {
      throw new IllegalStateException("output " + data.getDigest() + " is not in this orchestrator's data service");
    }
    String sha = data.getDigest().substring("sha256:".length());
    long size = blobs.size(sha);
    if (size != data.getSize()) {
      throw new IllegalStateException(
          size < 0 ? "blob " + data.getDigest() + " was never uploaded" : "blob " + data.getDigest() + " has " + size
              + " bytes, not the " + data.getSize() + " claimed");
    }
    long length = WireTensors.expectedBytes(ref.getDtype(), ref.getShapeList());
    long offset = data.hasRange() ? data.getRange().getOffset() : 0;
    if (length < 0 || offset + length > size || length > Integer.MAX_VALUE) {
      throw new IllegalStateException("blob " + data.getDigest() + " does not hold a tensor of shape " + ref.getShapeList());
    }
    try {
      byte[] bytes = blobs.read(sha, offset, (int) length);
      bytesRead.add(length);
      int[] dims = ref.getShapeList().stream().mapToInt(Long::intValue).toArray();
      return Tensor.fromLittleEndian(WireTensors.fromWire(ref.getDtype()), Shape.of(dims), ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read blob " + data.getDigest() + ": " + e.getMessage(), e);
    }
  }

  /** Bytes read for validation since start. */
  public long bytesRead() {
    return bytesRead.sum();
  }
}
