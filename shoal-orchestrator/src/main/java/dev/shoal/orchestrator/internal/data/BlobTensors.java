package dev.shoal.orchestrator.internal.data;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.validation.OutputElements;
import dev.shoal.orchestrator.internal.acceptance.StoredTensors;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TensorRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tensors read from the blob store for validation. Bytes read of workers' outputs are counted
 * ({@link #outputBytesRead()}): the egress validation costs. Sampled reads of an output read only
 * the sampled elements, with positional reads of one open file, adjacent elements in one read.
 * Inputs are read whole and not counted. Thread-safe.
 */
public final class BlobTensors implements StoredTensors {

  /** Adjacent sampled elements are read together, up to this many bytes a read. */
  private static final int MAX_RUN_BYTES = 1 << 20;

  private final BlobStore blobs;
  private final LongAdder outputBytesRead = new LongAdder();

  public BlobTensors(BlobStore blobs) {
    this.blobs = blobs;
  }

  /** Where the tensor a reference names lies: a stored blob, and the offset and spec within it. */
  private record Located(String digest, String sha256, long offset, TensorSpec spec) {
    long length() {
      return spec.byteSize();
    }
  }

  @Override
  public Tensor input(TensorRef ref) {
    return readWhole(locate(ref, "input"));
  }

  @Override
  public Tensor output(TensorRef ref) {
    Located at = locate(ref, "output");
    Tensor t = readWhole(at);
    outputBytesRead.add(at.length());
    return t;
  }

  @Override
  public OutputElements outputElements(TensorRef ref) {
    return new Sampled(locate(ref, "output"));
  }

  /** Bytes of workers' outputs read for validation since start, sampled or whole; inputs are not counted. */
  public long outputBytesRead() {
    return outputBytesRead.sum();
  }

  /** The blob and range {@code ref} names, once it is known to be stored with the size it claims. */
  private Located locate(TensorRef ref, String what) {
    DataRef data = ref.getData();
    String sha = TaskInputs.sha256(data.getDigest());
    if (!data.getUri().startsWith(TaskInputs.DATA_PREFIX) || sha == null) {
      throw new Unreadable(what + " " + data.getDigest() + " is not in this orchestrator's data service");
    }
    long size = blobs.size(sha);
    if (size != data.getSize()) {
      throw new Unreadable(
          size < 0 ? "blob " + data.getDigest() + " was never uploaded" : "blob " + data.getDigest() + " has " + size
              + " bytes, not the " + data.getSize() + " claimed");
    }
    long length = WireTensors.expectedBytes(ref.getDtype(), ref.getShapeList());
    long offset = data.hasRange() ? data.getRange().getOffset() : 0;
    TensorSpec spec;
    try {
      int[] dims = ref.getShapeList().stream().mapToInt(Math::toIntExact).toArray();
      spec = new TensorSpec(WireTensors.fromWire(ref.getDtype()), Shape.of(dims));
    } catch (ArithmeticException | IllegalArgumentException e) {
      spec = null;
    }
    if (spec == null || length < 0 || offset < 0 || offset + length > size) {
      throw new Unreadable("blob " + data.getDigest() + " does not hold a tensor of shape " + ref.getShapeList());
    }
    return new Located(data.getDigest(), sha, offset, spec);
  }

  private Tensor readWhole(Located at) {
    if (at.length() > Tensor.MAX_ELEMENTS) {
      throw new Unreadable("blob " + at.digest() + ": a " + at.spec() + " tensor is too large to read whole");
    }
    try {
      byte[] bytes = blobs.read(at.sha256(), at.offset(), (int) at.length());
      return Tensor.fromLittleEndian(at.spec().dtype(), at.spec().shape(), ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new Unreadable("cannot read blob " + at.digest() + ": " + e.getMessage(), e);
    }
  }

  /** An output read at sampled positions. */
  private final class Sampled implements OutputElements {
    private final Located at;

    Sampled(Located at) {
      this.at = at;
    }

    @Override
    public TensorSpec spec() {
      return at.spec();
    }

    /** The store is content-addressed and hashes every upload, so the digest names the bytes. */
    @Override
    public String contentId() {
      return at.digest() + "@" + at.offset() + ":" + at.spec();
    }

    @Override
    public Tensor read(int[] positions) {
      DType dtype = at.spec().dtype();
      long count = at.spec().shape().elementCount();
      int size = dtype.byteSize();
      int[] distinct = distinct(positions, count);
      // Runs of adjacent positions, each one positional read.
      int maxRun = MAX_RUN_BYTES / size;
      long[] offsets = new long[distinct.length];
      int[] lengths = new int[distinct.length];
      int runs = 0;
      for (int i = 0; i < distinct.length; ) {
        int j = i + 1;
        while (j < distinct.length && distinct[j] == distinct[j - 1] + 1 && j - i < maxRun) {
          j++;
        }
        offsets[runs] = at.offset() + (long) distinct[i] * size;
        lengths[runs] = (j - i) * size;
        runs++;
        i = j;
      }
      byte[] got;
      try {
        got = blobs.read(at.sha256(), Arrays.copyOf(offsets, runs), Arrays.copyOf(lengths, runs));
      } catch (IOException e) {
        throw new Unreadable("cannot read blob " + at.digest() + ": " + e.getMessage(), e);
      }
      outputBytesRead.add(got.length);
      // The runs, end to end, are the distinct positions' elements in ascending order.
      byte[] out = new byte[positions.length * size];
      for (int s = 0; s < positions.length; s++) {
        System.arraycopy(got, Arrays.binarySearch(distinct, positions[s]) * size, out, s * size, size);
      }
      return Tensor.fromLittleEndian(dtype, Shape.of(positions.length), ByteBuffer.wrap(out));
    }

    @Override
    public String toString() {
      return "output " + at.digest() + " " + at.spec();
    }
  }

  /** The positions sorted, without repeats; each must be an element of the tensor. */
  private static int[] distinct(int[] positions, long count) {
    int[] sorted = positions.clone();
    Arrays.sort(sorted);
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] < 0 || sorted[i] >= count) {
        throw new IllegalArgumentException("position " + sorted[i] + " is outside a tensor of " + count + " elements");
      }
      if (n == 0 || sorted[i] != sorted[n - 1]) {
        sorted[n++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, n);
  }
}
