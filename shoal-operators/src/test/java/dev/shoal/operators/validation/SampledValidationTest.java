package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.axis;
import static dev.shoal.operators.validation.Fixtures.perm;
import static dev.shoal.operators.validation.Fixtures.uniform;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Comparison;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Outputs held by reference: validation and agreement read only the elements they sample, judge
 * them by the same arithmetic as outputs in memory, and say in their checks what they looked at.
 */
class SampledValidationTest {

  private static final long[] SEEDS = {1, 2, 3, 42, 20240601};
  private static final List<ValidationSettings> SETTINGS = List.of(ValidationSettings.DEFAULT, ValidationSettings.LIGHT);

  /** A tensor behind {@link OutputElements}, as a data service would serve it, counting what it is asked for. */
  static class Remote implements OutputElements {
    private final Tensor tensor;
    private final TensorSpec spec;
    private final String contentId;
    final List<Integer> positionsRead = new ArrayList<>();
    int reads;

    Remote(Tensor tensor) {
      this(tensor, tensor.spec(), null);
    }

    Remote(Tensor tensor, TensorSpec spec, String contentId) {
      this.tensor = tensor;
      this.spec = spec;
      this.contentId = contentId;
    }

    @Override
    public TensorSpec spec() {
      return spec;
    }

    @Override
    public Tensor read(int[] positions) {
      reads++;
      for (int p : positions) {
        positionsRead.add(p);
      }
      return OutputElements.of(tensor).read(positions);
    }

    @Override
    public String contentId() {
      return contentId;
    }
  }

  private record Task(String id, DType dtype, List<Tensor> inputs, Attributes attributes) {
    Tensor honest() {
      return Fixtures.honest(id, attributes, inputs.toArray(Tensor[]::new));
    }

    Verdict validate(OutputElements output, ValidationSettings settings, long seed) {
      return Fixtures.validator(id).validateSampled(inputs, attributes, List.of(output), settings, new SplittableRandom(seed));
    }

    boolean isMatmul() {
      return id.equals("tensor.matmul@1");
    }

    /** The checks the sampled path runs: no Freivalds; invariants where the operator has them. */
    List<String> checks() {
      String name = OperatorId.parse(id).name();
      boolean invariants = List.of("tensor.relu", "tensor.tanh", "tensor.sigmoid", "tensor.exp", "tensor.log").contains(name)
          || (List.of("tensor.add", "tensor.sub", "tensor.mul", "tensor.max", "tensor.min").contains(name) && dtype.isFloating())
          || name.equals("tensor.div");
      return invariants
          ? List.of(Check.STRUCTURE, Check.INVARIANTS, Check.SAMPLED_RECOMPUTE)
          : List.of(Check.STRUCTURE, Check.SAMPLED_RECOMPUTE);
    }

    @Override
    public String toString() {
      return id + " " + dtype.wireName();
    }
  }

  /** A task of every operator family and dtype, each with a few thousand output elements (more than any sample). */
  static Stream<Arguments> tasks() {
    List<Arguments> out = new ArrayList<>();
    List<String> ids = List.of(
        "tensor.relu@1", "tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1",
        "tensor.add@1", "tensor.sub@1", "tensor.mul@1", "tensor.div@1", "tensor.max@1", "tensor.min@1",
        "tensor.matmul@1", "tensor.transpose@1", "tensor.reduce_sum@1", "tensor.reduce_mean@1", "tensor.reduce_max@1");
    for (String id : ids) {
      for (DType dtype : DType.values()) {
        boolean floatOnly = List.of("tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1", "tensor.log@1", "tensor.reduce_mean@1").contains(id);
        if (floatOnly && dtype == DType.INT32) {
          continue;
        }
        SplittableRandom rnd = new SplittableRandom(11);
        List<Tensor> inputs = new ArrayList<>();
        Attributes attrs = Attributes.empty();
        switch (id) {
          case "tensor.matmul@1" -> {
            inputs.add(uniform(dtype, Shape.of(60, 24), -2, 2, rnd));
            inputs.add(uniform(dtype, Shape.of(24, 70), -2, 2, rnd));
          }
          case "tensor.transpose@1" -> {
            inputs.add(uniform(dtype, Shape.of(30, 20, 7), -2, 2, rnd));
            attrs = perm(2, 0, 1);
          }
          case "tensor.reduce_sum@1", "tensor.reduce_mean@1", "tensor.reduce_max@1" -> {
            inputs.add(uniform(dtype, Shape.of(50, 9, 60), -2, 2, rnd));
            attrs = axis(1);
          }
          case "tensor.log@1" -> inputs.add(uniform(dtype, Shape.of(4000), 0.1, 3, rnd));
          case "tensor.relu@1", "tensor.tanh@1", "tensor.sigmoid@1", "tensor.exp@1" -> inputs.add(uniform(dtype, Shape.of(4000), -3, 3, rnd));
          default -> {
            inputs.add(uniform(dtype, Shape.of(80, 50), -3, 3, rnd));
            inputs.add(uniform(dtype, Shape.of(80, 50), 1, 4, rnd)); // no zero divisor
          }
        }
        out.add(Arguments.of(new Task(id, dtype, inputs, attrs)));
      }
    }
    return out.stream();
  }

  /** An element no honest result holds: far off (and for relu, sigmoid and the like, outside the invariant too). */
  private static Tensor wrongAt(Tensor t, int position) {
    double v = t.dtype() == DType.INT32 ? t.getInt(position) : t.getFloat(position);
    return Fixtures.withElement(t, position, t.dtype() == DType.INT32 ? v + 1 : -(Math.abs(v) + 1000));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void anHonestOutputPassesAndOnlyItsSampleIsRead(Task task) {
    Tensor c = task.honest();
    for (ValidationSettings settings : SETTINGS) {
      int samples = task.isMatmul() ? settings.samples() * settings.freivaldsRounds() : settings.samples();
      assertThat(samples).as("the outputs here are larger than any sample").isLessThan((int) c.elementCount());
      for (long seed : SEEDS) {
        Remote remote = new Remote(c);
        Verdict v = task.validate(remote, settings, seed);
        assertThat(v).as("%s %s seed %d", task, settings, seed).passes().ran(task.checks().toArray(String[]::new));
        assertThat(remote.reads).as("one read for every check").isEqualTo(1);
        assertThat(remote.positionsRead).hasSize(samples);
        assertThat(v.check(Check.SAMPLED_RECOMPUTE).orElseThrow().samples()).isEqualTo(samples);
        v.check(Check.INVARIANTS).ifPresent(inv -> {
          if (!(task.id().equals("tensor.div@1") && task.dtype() == DType.INT32)) {
            assertThat(inv.samples()).as("invariants on the sample").isEqualTo(samples);
            assertThat(inv.detail()).contains("held by reference");
          }
        });
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void aWrongElementIsCaughtWhenItIsSampled(Task task) {
    Tensor c = task.honest();
    for (long seed : SEEDS) {
      // The positions depend on the generator alone, so a run on the honest output shows where the next one reads.
      Remote honest = new Remote(c);
      task.validate(honest, ValidationSettings.DEFAULT, seed);
      int sampled = honest.positionsRead.get(honest.positionsRead.size() / 2);
      Verdict v = task.validate(new Remote(wrongAt(c, sampled)), ValidationSettings.DEFAULT, seed);
      assertThat(v).as("%s seed %d, element %d", task, seed, sampled).fails();
      assertThat(v.firstFailure().orElseThrow().method()).isIn(Check.INVARIANTS, Check.SAMPLED_RECOMPUTE);
    }
  }

  /** The price of reading samples only: a single wrong element elsewhere is not seen. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void aWrongElementThatIsNotSampledIsMissed(Task task) {
    Tensor c = task.honest();
    Remote honest = new Remote(c);
    task.validate(honest, ValidationSettings.DEFAULT, 7);
    int unsampled = 0;
    while (honest.positionsRead.contains(unsampled)) {
      unsampled++;
    }
    assertThat(task.validate(new Remote(wrongAt(c, unsampled)), ValidationSettings.DEFAULT, 7)).passes();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void anOutputWithEveryElementWrongFails(Task task) {
    Tensor c = task.honest();
    Tensor forged = c.dtype() == DType.INT32 ? Fixtures.mapInts(c, x -> x + 1) : Fixtures.mapFloats(c, x -> -(Math.abs(x) + 1000));
    for (long seed : SEEDS) {
      assertThat(task.validate(new Remote(forged), ValidationSettings.LIGHT, seed)).as("%s seed %d", task, seed).fails();
    }
  }

  @Test
  void matmulHeldByReferenceRecomputesMoreElementsInsteadOfFreivalds() {
    SplittableRandom rnd = new SplittableRandom(3);
    Tensor a = uniform(DType.FLOAT32, Shape.of(100, 16), -1, 1, rnd);
    Tensor b = uniform(DType.FLOAT32, Shape.of(16, 100), -1, 1, rnd);
    Tensor c = Fixtures.honest("tensor.matmul@1", a, b);
    Verdict v = Fixtures.validator("tensor.matmul@1")
        .validateSampled(List.of(a, b), Attributes.empty(), List.of(new Remote(c)), ValidationSettings.DEFAULT, new SplittableRandom(1));
    assertThat(v).passes().ran(Check.STRUCTURE, Check.SAMPLED_RECOMPUTE);
    Check sampled = v.check(Check.SAMPLED_RECOMPUTE).orElseThrow();
    assertThat(sampled.samples()).isEqualTo(32 * 8);
    assertThat(sampled.rounds()).isZero();
    assertThat(sampled.detail()).contains("256 of 10000 elements").contains("no Freivalds' test");

    // In memory, the same output still gets Freivalds and the usual samples.
    Verdict held = Fixtures.validate("tensor.matmul@1", Attributes.empty(), List.of(a, b), c, 1);
    assertThat(held).passes().ran(Check.STRUCTURE, Check.FREIVALDS, Check.SAMPLED_RECOMPUTE);
    assertThat(held.check(Check.SAMPLED_RECOMPUTE).orElseThrow().samples()).isEqualTo(32);
  }

  @Test
  void theSameElementsAreJudgedAlikeInMemoryAndByReference() {
    // Same generator, same positions: the sampled recomputation of the two paths must say the same.
    SplittableRandom rnd = new SplittableRandom(5);
    Tensor x = uniform(DType.FLOAT16, Shape.of(50, 9, 60), -2, 2, rnd);
    Tensor c = Fixtures.honest("tensor.reduce_sum@1", axis(1), x);
    Tensor forged = Fixtures.mapFloats(c, v -> v * 1.01 + 0.01);
    Verdict inMemory = Fixtures.validate("tensor.reduce_sum@1", axis(1), List.of(x), forged, 9);
    Verdict byReference = Fixtures.validator("tensor.reduce_sum@1")
        .validateSampled(List.of(x), axis(1), List.of(new Remote(forged)), ValidationSettings.DEFAULT, new SplittableRandom(9));
    assertThat(inMemory).failsAt(Check.SAMPLED_RECOMPUTE);
    assertThat(byReference).isEqualTo(inMemory);
  }

  @Test
  void structureIsJudgedFromTheClaimedSpecWithoutAnyRead() {
    Tensor x = uniform(DType.FLOAT32, Shape.of(4000), -1, 1, new SplittableRandom(1));
    Tensor c = Fixtures.honest("tensor.relu@1", x);
    Validator relu = Fixtures.validator("tensor.relu@1");
    Remote wrongDtype = new Remote(c, new TensorSpec(DType.INT32, c.shape()), null);
    assertThat(relu.validateSampled(List.of(x), Attributes.empty(), List.of(wrongDtype), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .failsAt(Check.STRUCTURE).detailContains("output 0 is int32[4000]");
    assertThat(wrongDtype.reads).isZero();
    assertThat(relu.validateSampled(List.of(x), Attributes.empty(), List.of(), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .failsAt(Check.STRUCTURE).detailContains("expected 1 output");
    assertThat(relu.validateSampled(List.of(x), Attributes.empty(), java.util.Arrays.asList((OutputElements) null),
        ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .failsAt(Check.STRUCTURE).detailContains("null");
  }

  @Test
  void whatTheSourceThrowsPropagatesAndASourceThatAnswersWronglyIsAnError() {
    Tensor x = uniform(DType.FLOAT32, Shape.of(4000), -1, 1, new SplittableRandom(1));
    Tensor c = Fixtures.honest("tensor.exp@1", x);
    OutputElements gone = new Remote(c) {
      @Override
      public Tensor read(int[] positions) {
        throw new UncheckedIOException(new java.io.IOException("the blob went away"));
      }
    };
    Validator exp = Fixtures.validator("tensor.exp@1");
    assertThatThrownBy(() -> exp.validateSampled(List.of(x), Attributes.empty(), List.of(gone), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("went away");
    OutputElements truncated = new Remote(c) {
      @Override
      public Tensor read(int[] positions) {
        return Tensor.zeros(DType.FLOAT32, Shape.of(positions.length - 1));
      }
    };
    assertThatThrownBy(() -> exp.validateSampled(List.of(x), Attributes.empty(), List.of(truncated), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("for 32 positions");
  }

  // ---- agreement, for quorum ----

  private static final OperatorId MATMUL = OperatorId.parse("tensor.matmul@1");

  /** tensor.matmul@1 with its float sums taken in the other order: another honest implementation. */
  private static Tensor backwards(Tensor a, Tensor b) {
    int m = a.shape().dim(0), k = a.shape().dim(1), n = b.shape().dim(1);
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float s = 0;
        for (int p = k - 1; p >= 0; p--) {
          s += a.getFloat(i * k + p) * b.getFloat(p * n + j);
        }
        c[i * n + j] = s;
      }
    }
    return Tensor.float32(Shape.of(m, n), c);
  }

  private static Comparison agree(List<Tensor> inputs, OutputElements x, OutputElements y, long seed) {
    return Validators.agreeSampled(MATMUL, inputs, Attributes.empty(), List.of(x), List.of(y), ValidationSettings.DEFAULT, new SplittableRandom(seed));
  }

  @Test
  void honestResultsHeldByReferenceAgreeReadingOnlyTheSamePositionsOfEach() {
    // Each row 1 then 4095 times 2^-24, scaled by powers of two: summed forwards the small terms
    // vanish into the 1, summed backwards they add up first (as in AgreementAndFullRecomputeTest).
    int m = 40, k = 4096, n = 50;
    float[] av = new float[m * k];
    for (int i = 0; i < m; i++) {
      float scale = (float) Math.scalb(1.0, i % 8 - 4);
      av[i * k] = scale;
      for (int p = 1; p < k; p++) {
        av[i * k + p] = scale * 0x1p-24f;
      }
    }
    float[] bv = new float[k * n];
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        bv[p * n + j] = (float) Math.scalb(j % 2 == 0 ? 1.0 : -1.0, j % 5);
      }
    }
    Tensor a = Tensor.float32(Shape.of(m, k), av);
    Tensor b = Tensor.float32(Shape.of(k, n), bv);
    List<Tensor> inputs = List.of(a, b);
    Tensor forwards = Fixtures.honest("tensor.matmul@1", a, b);
    Tensor other = backwards(a, b);
    assertThat(dev.shoal.operators.TensorComparison.compare(forwards, other).matches())
        .as("the orders differ by more than the tolerance alone").isFalse();
    for (long seed : SEEDS) {
      Remote x = new Remote(forwards);
      Remote y = new Remote(other);
      Comparison c = agree(inputs, x, y, seed);
      assertThat(c.matches()).as("seed %d: %s", seed, c.reason()).isTrue();
      assertThat(x.positionsRead).hasSize(32).isEqualTo(y.positionsRead);
    }
    // One held in memory, one by reference: the same comparison.
    assertThat(agree(inputs, OutputElements.of(forwards), new Remote(other), 1).matches()).isTrue();
  }

  @Test
  void resultsThatDifferWhereSampledDisagree() {
    SplittableRandom rnd = new SplittableRandom(4);
    Tensor a = uniform(DType.FLOAT32, Shape.of(40, 30), -1, 1, rnd);
    Tensor b = uniform(DType.FLOAT32, Shape.of(30, 50), -1, 1, rnd);
    List<Tensor> inputs = List.of(a, b);
    Tensor c = Fixtures.honest("tensor.matmul@1", a, b);

    Comparison all = agree(inputs, new Remote(c), new Remote(Fixtures.beyondTolerance(c)), 1);
    assertThat(all.matches()).isFalse();
    assertThat(all.mismatches()).isEqualTo(32);
    assertThat(all.reason()).contains("32 of 32 sampled elements");

    Remote probe = new Remote(c);
    agree(inputs, probe, new Remote(c), 8);
    int sampled = probe.positionsRead.get(5);
    Comparison one = agree(inputs, new Remote(c), new Remote(wrongAt(c, sampled)), 8);
    assertThat(one.matches()).isFalse();
    assertThat(one.firstMismatchIndex()).isEqualTo(sampled);
  }

  @Test
  void outputsWithTheSameContentIdAgreeWithoutARead() {
    SplittableRandom rnd = new SplittableRandom(6);
    Tensor a = uniform(DType.INT32, Shape.of(40, 30), -9, 9, rnd);
    Tensor b = uniform(DType.INT32, Shape.of(30, 50), -9, 9, rnd);
    Tensor c = Fixtures.honest("tensor.matmul@1", a, b);
    Remote x = new Remote(c, c.spec(), "sha256:aa@0");
    Remote y = new Remote(c, c.spec(), "sha256:aa@0");
    assertThat(agree(List.of(a, b), x, y, 1).matches()).isTrue();
    assertThat(x.reads + y.reads).isZero();

    // Different ids, or one unknown: compared by samples.
    Remote z = new Remote(Fixtures.mapInts(c, v -> v + 1), c.spec(), "sha256:bb@0");
    assertThat(agree(List.of(a, b), x, z, 1).matches()).isFalse();
    assertThat(x.reads).isEqualTo(1);
    Remote unknown = new Remote(c);
    assertThat(agree(List.of(a, b), y, unknown, 1).matches()).isTrue();
    assertThat(unknown.reads).isEqualTo(1);

    // A content id does not excuse the wrong structure.
    Remote wrongShape = new Remote(c, new TensorSpec(DType.INT32, Shape.of(50, 40)), "sha256:aa@0");
    Comparison shape = agree(List.of(a, b), x, wrongShape, 1);
    assertThat(shape.matches()).isFalse();
    assertThat(shape.reason()).startsWith("second result: output 0 is int32[50, 40]");
  }
}
