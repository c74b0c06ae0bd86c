package dev.shoal.orchestrator.internal.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.validation.ValidationSettings;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.data.BlobTensors;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validating outputs that workers uploaded to the data service: only sampled elements are read,
 * the bytes read are counted (outputs only), and an output that is wrong or missing still fails.
 */
class OperatorCheckerTest {

  /** 4 MiB of float32: four times the inline limit. */
  private static final int ELEMENTS = 1 << 20;
  private static final long OUTPUT_BYTES = 4L * ELEMENTS;
  private static final long EGRESS_BUDGET = OUTPUT_BYTES / 20;

  @TempDir Path dir;
  private BlobStore blobs;
  private BlobTensors stored;
  private OperatorChecker checker;

  @BeforeEach
  void setUp() {
    blobs = new BlobStore(dir);
    stored = new BlobTensors(blobs);
    checker = new OperatorChecker(OperatorRegistry.standard(), ValidationSettings.DEFAULT, ValidationSettings.LIGHT, stored);
  }

  /** Stores the tensor's bytes, as a worker's upload would, and returns the reference a worker returns. */
  private Value upload(Tensor t) {
    BlobStore.Stored s = blobs.put(t.toLittleEndianBytes());
    return TaskInputs.fromBlob("sha256:" + s.sha256(), s.size(), 0, null, t.spec());
  }

  private static TaskDescriptor task(String operator, Value... inputs) {
    return TaskDescriptor.newBuilder().setOperator(operator).addAllInputs(List.of(inputs)).build();
  }

  private static ResultDescriptor result(Value... outputs) {
    return ResultDescriptor.newBuilder().setStatus(ResultStatus.RESULT_STATUS_OK).addAllOutputs(List.of(outputs)).build();
  }

  private static Value inline(Tensor t) {
    return Value.newBuilder().setTensor(WireTensors.toWire(t)).build();
  }

  private static Tensor uniform(Shape shape, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] v = new float[(int) shape.elementCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 4 - 2);
    }
    return Tensor.float32(shape, v);
  }

  private static Tensor relu(Tensor x) {
    return OperatorRegistry.standard().require(dev.shoal.operators.OperatorId.parse("tensor.relu@1"))
        .apply(List.of(x), dev.shoal.operators.Attributes.empty()).getFirst();
  }

  private static Tensor matmul(Tensor a, Tensor b) {
    return OperatorRegistry.standard().require(dev.shoal.operators.OperatorId.parse("tensor.matmul@1"))
        .apply(List.of(a, b), dev.shoal.operators.Attributes.empty()).getFirst();
  }

  private static List<String> methods(Verdict v) {
    return v.checks().stream().map(Check::method).toList();
  }

  @Test
  void validatingA4MiBOutputHeldByReferenceReadsOnlyItsSample() {
    // The input by reference too: read whole, as the orchestrator's own data, and not counted.
    Tensor x = uniform(Shape.of(ELEMENTS), 1);
    TaskDescriptor task = task("tensor.relu@1", upload(x));
    Value out = upload(relu(x));
    assertThat(out.getTensorRef().getData().getSize()).isEqualTo(OUTPUT_BYTES);

    Verdict v = checker.validate(task, result(out), false, new SplittableRandom(1));

    assertThat(v.passed()).as(v.failure()).isTrue();
    assertThat(methods(v)).containsExactly("structure", "invariants", "sampled_recompute");
    assertThat(v.checks().get(1).samples()).isEqualTo(32);
    assertThat(v.checks().get(1).detail()).contains("held by reference");
    assertThat(stored.outputBytesRead()).as("32 float32 samples, one read for both checks").isLessThanOrEqualTo(32 * 4).isPositive();
    assertThat(stored.outputBytesRead()).isLessThanOrEqualTo(EGRESS_BUDGET);
  }

  @Test
  void a4MiBMatmulOutputHeldByReferenceIsRecomputedAtSamplesWithoutFreivalds() {
    Tensor a = uniform(Shape.of(1024, 16), 2);
    Tensor b = uniform(Shape.of(16, 1024), 3);
    TaskDescriptor task = task("tensor.matmul@1", inline(a), inline(b));
    Value out = upload(matmul(a, b));
    assertThat(out.getTensorRef().getData().getSize()).isEqualTo(OUTPUT_BYTES);

    Verdict v = checker.validate(task, result(out), false, new SplittableRandom(1));

    assertThat(v.passed()).as(v.failure()).isTrue();
    assertThat(methods(v)).containsExactly("structure", "sampled_recompute");
    int samples = ValidationSettings.DEFAULT.samples() * ValidationSettings.DEFAULT.freivaldsRounds();
    assertThat(v.checks().get(1).samples()).isEqualTo(samples);
    assertThat(v.checks().get(1).detail()).contains("no Freivalds' test");
    assertThat(stored.outputBytesRead()).isLessThanOrEqualTo(4L * samples).isLessThanOrEqualTo(EGRESS_BUDGET);
  }

  @Test
  void anUploadedOutputWithEveryElementWrongFails() {
    Tensor a = uniform(Shape.of(1024, 16), 4);
    Tensor b = uniform(Shape.of(16, 1024), 5);
    TaskDescriptor matmul = task("tensor.matmul@1", inline(a), inline(b));
    Tensor c = matmul(a, b);
    float[] wrong = c.toFloatArray();
    for (int i = 0; i < wrong.length; i++) {
      wrong[i] = wrong[i] * 1.01f + 0.01f;
    }
    Verdict v = checker.validate(matmul, result(upload(Tensor.float32(c.shape(), wrong))), true, new SplittableRandom(7));
    assertThat(v.passed()).isFalse();
    assertThat(v.failure()).startsWith("sampled_recompute: element [");

    Tensor x = uniform(Shape.of(ELEMENTS), 6);
    float[] negative = relu(x).toFloatArray();
    for (int i = 0; i < negative.length; i++) {
      negative[i] = -1 - negative[i];
    }
    Verdict r = checker.validate(task("tensor.relu@1", inline(x)), result(upload(Tensor.float32(x.shape(), negative))), false,
        new SplittableRandom(8));
    assertThat(r.passed()).isFalse();
    assertThat(r.failure()).startsWith("invariants: element ").contains("relu(x) >= 0");
    assertThat(stored.outputBytesRead()).isLessThanOrEqualTo(2 * EGRESS_BUDGET);
  }

  @Test
  void anOutputThatWasNeverUploadedOrIsNotTheClaimedSizeFailsWithADataCheck() {
    Tensor x = uniform(Shape.of(ELEMENTS), 9);
    TaskDescriptor task = task("tensor.relu@1", inline(x));
    Tensor y = relu(x);
    TensorSpec spec = y.spec();
    String absent = "sha256:" + "0".repeat(64);

    Verdict never = checker.validate(task, result(TaskInputs.fromBlob(absent, OUTPUT_BYTES, 0, null, spec)), false, new SplittableRandom(1));
    assertThat(never.passed()).isFalse();
    assertThat(never.checks()).hasSize(1);
    assertThat(never.failure()).isEqualTo("data: blob " + absent + " was never uploaded");

    Value uploaded = upload(y);
    Value claimedLarger = uploaded.toBuilder()
        .setTensorRef(uploaded.getTensorRef().toBuilder()
            .setData(uploaded.getTensorRef().getData().toBuilder().setSize(OUTPUT_BYTES + 4)))
        .build();
    Verdict larger = checker.validate(task, result(claimedLarger), false, new SplittableRandom(1));
    assertThat(larger.passed()).isFalse();
    assertThat(larger.failure()).startsWith("data: ").contains("has " + OUTPUT_BYTES + " bytes, not the " + (OUTPUT_BYTES + 4) + " claimed");

    // Nor can it be recomputed, nor agree with anything.
    assertThat(checker.recompute(task, result(TaskInputs.fromBlob(absent, OUTPUT_BYTES, 0, null, spec))).failure())
        .isEqualTo("data: blob " + absent + " was never uploaded");
    assertThat(checker.agree(task, result(uploaded), result(TaskInputs.fromBlob(absent, OUTPUT_BYTES, 0, null, spec)), new SplittableRandom(1)))
        .isFalse();
    assertThat(stored.outputBytesRead()).isZero();
  }

  @Test
  void resultsHeldByReferenceAreComparedBySamplesOrByDigest() {
    Tensor x = uniform(Shape.of(ELEMENTS), 10);
    TaskDescriptor task = task("tensor.relu@1", inline(x));
    Tensor y = relu(x);
    Value honest = upload(y);

    assertThat(checker.agree(task, result(honest), result(honest), new SplittableRandom(1))).isTrue();
    assertThat(stored.outputBytesRead()).as("the same digest: nothing to read").isZero();

    float[] off = y.toFloatArray();
    for (int i = 0; i < off.length; i++) {
      off[i] += 0.5f;
    }
    Value other = upload(Tensor.float32(y.shape(), off));
    assertThat(checker.agree(task, result(honest), result(other), new SplittableRandom(1))).isFalse();
    assertThat(stored.outputBytesRead()).as("32 samples of each").isPositive().isLessThanOrEqualTo(2 * 32 * 4);

    // One result inline (a worker that could not upload), one by reference: compared by samples as well.
    Tensor small = uniform(Shape.of(1000), 11);
    TaskDescriptor smallTask = task("tensor.relu@1", inline(small));
    assertThat(checker.agree(smallTask, result(inline(relu(small))), result(upload(relu(small))), new SplittableRandom(2))).isTrue();
  }

  @Test
  void onlyRecomputationReadsAnOutputWholeAndInputsAreNeverCounted() {
    Tensor x = uniform(Shape.of(ELEMENTS), 12);
    TaskDescriptor task = task("tensor.relu@1", upload(x));
    Verdict v = checker.recompute(task, result(upload(relu(x))));
    assertThat(v.passed()).as(v.failure()).isTrue();
    assertThat(stored.outputBytesRead()).isEqualTo(OUTPUT_BYTES);
  }

  @Test
  void aSmallResultCarriedInlineIsValidatedInMemoryAsBefore() {
    Tensor a = uniform(Shape.of(20, 8), 13);
    Tensor b = uniform(Shape.of(8, 30), 14);
    Verdict v = checker.validate(task("tensor.matmul@1", inline(a), inline(b)), result(inline(matmul(a, b))), false,
        new SplittableRandom(1));
    assertThat(v.passed()).as(v.failure()).isTrue();
    assertThat(methods(v)).containsExactly("structure", "freivalds", "sampled_recompute");
    assertThat(stored.outputBytesRead()).isZero();
  }
}
