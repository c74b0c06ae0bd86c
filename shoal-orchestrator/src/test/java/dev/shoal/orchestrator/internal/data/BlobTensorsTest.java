package dev.shoal.orchestrator.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.validation.OutputElements;
import dev.shoal.orchestrator.internal.acceptance.StoredTensors;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.protocol.v1.TensorRef;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading outputs by position: only the bytes of the elements asked for, counted; inputs read whole, not counted. */
class BlobTensorsTest {

  @TempDir Path dir;

  /** The range digest is the worker's to check, not validation's: any will do here. */
  private static TensorRef ref(BlobStore.Stored s, long offset, TensorSpec spec) {
    return TaskInputs.fromBlob("sha256:" + s.sha256(), s.size(), offset, "sha256:" + "f".repeat(64), spec).getTensorRef();
  }

  @Test
  void sampledElementsAreReadInTheOrderAskedWithRepeatsAndOnlyTheirBytesCounted() {
    BlobStore blobs = new BlobStore(dir);
    int n = 1000;
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 7 - 3;
    }
    Tensor t = Tensor.int32(Shape.of(10, 100), v);
    BlobStore.Stored s = blobs.put(t.toLittleEndianBytes());
    BlobTensors stored = new BlobTensors(blobs);

    OutputElements out = stored.outputElements(ref(s, 0, t.spec()));
    assertThat(out.spec()).isEqualTo(t.spec());
    Tensor got = out.read(new int[] {999, 5, 6, 7, 5, 0, 6});
    assertThat(got.toIntArray()).containsExactly(v[999], v[5], v[6], v[7], v[5], v[0], v[6]);
    assertThat(stored.outputBytesRead()).as("5 distinct elements of 4 bytes").isEqualTo(20);

    assertThatThrownBy(() -> out.read(new int[] {1000})).isInstanceOf(IllegalArgumentException.class);
    assertThat(stored.input(ref(s, 0, t.spec()))).isEqualTo(t);
    assertThat(stored.outputBytesRead()).as("inputs are not validation egress").isEqualTo(20);
    assertThat(stored.output(ref(s, 0, t.spec()))).isEqualTo(t);
    assertThat(stored.outputBytesRead()).isEqualTo(20 + 4000);
  }

  @Test
  void aTensorAtAnOffsetOfItsBlobIsReadFromThere() {
    BlobStore blobs = new BlobStore(dir);
    float[] v = new float[300];
    for (int i = 0; i < v.length; i++) {
      v[i] = i / 4f;
    }
    BlobStore.Stored s = blobs.put(Tensor.float16(Shape.of(300), v).toLittleEndianBytes());
    BlobTensors stored = new BlobTensors(blobs);
    TensorSpec spec = new TensorSpec(dev.shoal.operators.DType.FLOAT16, Shape.of(100));
    OutputElements middle = stored.outputElements(ref(s, 200, spec));
    assertThat(middle.read(new int[] {0, 99}).toFloatArray()).containsExactly(v[100], v[199]);
    assertThat(stored.outputBytesRead()).isEqualTo(4);
    assertThat(middle.contentId()).isNotEqualTo(stored.outputElements(ref(s, 0, spec)).contentId());
  }

  @Test
  void aBlobThatIsMissingOrNotTheClaimedSizeIsUnreadableBeforeAnyRead() throws Exception {
    BlobStore blobs = new BlobStore(dir);
    BlobTensors stored = new BlobTensors(blobs);
    TensorSpec spec = new TensorSpec(dev.shoal.operators.DType.FLOAT32, Shape.of(4));
    TensorRef absent = TaskInputs.fromBlob("sha256:" + "1".repeat(64), 16, 0, null, spec).getTensorRef();
    assertThatThrownBy(() -> stored.outputElements(absent))
        .isInstanceOf(StoredTensors.Unreadable.class).hasMessageContaining("was never uploaded");

    BlobStore.Stored s = blobs.put(new byte[16]);
    TensorRef tooLong = ref(s, 0, new TensorSpec(dev.shoal.operators.DType.FLOAT32, Shape.of(5)));
    assertThatThrownBy(() -> stored.outputElements(tooLong))
        .isInstanceOf(StoredTensors.Unreadable.class).hasMessageContaining("does not hold a tensor of shape [5]");

    // Gone between the check and the read (collected, say): unreadable then.
    OutputElements elements = stored.outputElements(ref(s, 0, spec));
    Files.delete(blobs.find(s.sha256()).orElseThrow());
    assertThatThrownBy(() -> elements.read(new int[] {1}))
        .isInstanceOf(StoredTensors.Unreadable.class).hasMessageContaining("cannot read blob");
    assertThat(stored.outputBytesRead()).isZero();
  }
}
