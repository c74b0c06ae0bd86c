package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.axis;
import static dev.shoal.operators.validation.Fixtures.floats;
import static dev.shoal.operators.validation.Fixtures.honest;
import static dev.shoal.operators.validation.Fixtures.perm;
import static dev.shoal.operators.validation.Fixtures.random;
import static dev.shoal.operators.validation.Fixtures.uniform;
import static dev.shoal.operators.validation.Fixtures.validate;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorComparison;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The first promise: a result the standard operators computed is never rejected, whatever the data. */
class HonestResultsPassTest {

  private static final long[] SEEDS = {1, 2, 3, 42, 20240601};
  private static final List<ValidationSettings> SETTINGS =
      List.of(ValidationSettings.DEFAULT, ValidationSettings.LIGHT, new ValidationSettings(64, 4096));
  private static final float INF = Float.POSITIVE_INFINITY;
  private static final float[] SPECIALS = {
    Float.NaN, INF, -INF, 0f, -0f, 1f, -1f, 0.5f, 3f, -7.25f, 100f, -100f, 1000f, 1e20f, -1e20f, 1e38f,
    Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-30f, 65504f, 70000f, 6e-8f
  };

  /** Every settings and seed: the verdict of an honest result must pass each time. */
  private static void assertAlwaysPasses(String id, Attributes attributes, List<Tensor> inputs, Tensor output) {
    for (ValidationSettings settings : SETTINGS) {
      for (long seed : SEEDS) {
        assertThat(validate(id, attributes, inputs, output, settings, seed))
            .as("%s %s seed %d on %s", id, settings, seed, inputs)
            .passes();
      }
    }
  }

  private static void assertHonestPasses(String id, Attributes attributes, Tensor... inputs) {
    assertAlwaysPasses(id, attributes, List.of(inputs), honest(id, attributes, inputs));
  }

  @Test
  void everyStandardOperatorHasAValidator() {
    assertThat(Validators.operators()).containsExactlyElementsOf(OperatorRegistry.standard().ids());
  }

  // ---- matmul ----

  static Stream<Arguments> matmulSizes() {
    List<Arguments> out = new ArrayList<>();
    int[][] sizes = {{1, 1, 1}, {3, 5, 2}, {17, 33, 9}, {64, 64, 64}, {8, 1024, 8}, {0, 3, 4}, {3, 0, 4}, {4, 3, 0}};
    for (DType dtype : DType.values()) {
      for (int[] s : sizes) {
        out.add(Arguments.of(dtype, s[0], s[1], s[2]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} [{1}x{2}]·[{2}x{3}]")
  @MethodSource("matmulSizes")
  void matmulOfRandomInputs(DType dtype, int m, int k, int n) {
    for (long seed : SEEDS) {
      SplittableRandom rnd = new SplittableRandom(seed);
      Tensor a = random(dtype, Shape.of(m, k), rnd);
      Tensor b = random(dtype, Shape.of(k, n), rnd);
      Tensor c = honest("tensor.matmul@1", a, b);
      Verdict v = validate("tensor.matmul@1", Attributes.empty(), List.of(a, b), c, seed);
      assertThat(v).passes().ran(Check.STRUCTURE, Check.FREIVALDS, Check.SAMPLED_RECOMPUTE);
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void matmulWithALongInnerDimension(DType dtype) {
    SplittableRandom rnd = new SplittableRandom(7);
    Tensor a = random(dtype, Shape.of(48, 1024), rnd);
    Tensor b = random(dtype, Shape.of(1024, 40), rnd);
    assertHonestPasses("tensor.matmul@1", Attributes.empty(), a, b);
  }

  /**
   * Rows of A pair each value with its negation against equal rows of B, so every exact product
   * is 0 while float accumulation leaves a residue far above atol.
   */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void matmulWhoseProductsCancelToZero(DType dtype) {
    int m = 16, half = 512, n = 24;
    SplittableRandom rnd = new SplittableRandom(11);
    float[] a = new float[m * 2 * half];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < half; p++) {
        float x = (float) (rnd.nextDouble() * 200 - 100);
        a[i * 2 * half + p] = x;
        a[i * 2 * half + half + p] = -x;
      }
    }
    float[] b = new float[2 * half * n];
    for (int p = 0; p < half; p++) {
      for (int j = 0; j < n; j++) {
        float y = (float) (rnd.nextDouble() * 200 - 100);
        b[p * n + j] = y;
        b[(half + p) * n + j] = y;
      }
    }
    Tensor ta = floats(dtype, Shape.of(m, 2 * half), a);
    Tensor tb = floats(dtype, Shape.of(2 * half, n), b);
    Tensor c = honest("tensor.matmul@1", ta, tb);
    // The residue is real: against the exact zeros, the plain tolerance would reject it.
    assertThat(TensorComparison.compare(Tensor.zeros(dtype, c.shape()), c).matches()).isFalse();
    assertAlwaysPasses("tensor.matmul@1", Attributes.empty(), List.of(ta, tb), c);
  }

  /**
   * 1 + 2^-24 rounds back to 1 in float, so adding 2^-24 a few thousand times to 1 loses all of
   * it: the float32 result is off from the exact one by far more than the tolerance, close to the
   * worst case the allowance γ_k·Σ|a||b| provides for.
   */
  @Test
  void matmulAtTheWorstCaseOfFloatAccumulation() {
    int k = 4096;
    float[] a = new float[k];
    a[0] = 1;
    for (int p = 1; p < k; p++) {
      a[p] = 0x1p-24f;
    }
    float[] b = new float[k];
    java.util.Arrays.fill(b, 1);
    Tensor ta = Tensor.float32(Shape.of(1, k), a);
    Tensor tb = Tensor.float32(Shape.of(k, 1), b);
    Tensor c = honest("tensor.matmul@1", ta, tb);
    assertThat(c.getFloat(0)).isEqualTo(1f);
    double exact = 1 + (k - 1) * 0x1p-24;
    assertThat(TensorComparison.compare(Tensor.float32(Shape.of(1, 1), new float[] {(float) exact}), c).matches()).isFalse();
    assertAlwaysPasses("tensor.matmul@1", Attributes.empty(), List.of(ta, tb), c);
  }

  /**
   * Another implementation, accumulating in double or in the reverse order, passes where it stays
   * within the tolerance of the operator's own arithmetic, as it does on ordinary inputs.
   */
  @Test
  void matmulComputedAnotherHonestWay() {
    int m = 20, k = 700, n = 30;
    SplittableRandom rnd = new SplittableRandom(5);
    float[] a = random(DType.FLOAT32, Shape.of(m, k), rnd).toFloatArray();
    float[] b = random(DType.FLOAT32, Shape.of(k, n), rnd).toFloatArray();
    float[] exact = new float[m * n];
    float[] reversed = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        float r = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
          r += a[i * k + (k - 1 - p)] * b[(k - 1 - p) * n + j];
        }
        exact[i * n + j] = (float) s;
        reversed[i * n + j] = r;
      }
    }
    List<Tensor> inputs = List.of(Tensor.float32(Shape.of(m, k), a), Tensor.float32(Shape.of(k, n), b));
    assertAlwaysPasses("tensor.matmul@1", Attributes.empty(), inputs, Tensor.float32(Shape.of(m, n), exact));
    assertAlwaysPasses("tensor.matmul@1", Attributes.empty(), inputs, Tensor.float32(Shape.of(m, n), reversed));
  }

  @Test
  void int32MatmulThatWraps() {
    SplittableRandom rnd = new SplittableRandom(3);
    Tensor a = random(DType.INT32, Shape.of(30, 50), rnd);
    Tensor b = random(DType.INT32, Shape.of(50, 20), rnd);
    Tensor c = honest("tensor.matmul@1", a, b);
    // Wrapping is what the operator does: the exact product is far outside int32.
    long exact00 = 0;
    for (int p = 0; p < 50; p++) {
      exact00 += (long) a.getInt(p) * b.getInt(p * 20);
    }
    assertThat((long) c.getInt(0)).isNotEqualTo(exact00);
    assertAlwaysPasses("tensor.matmul@1", Attributes.empty(), List.of(a, b), c);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void matmulWithNonFiniteInputsAndOverflow(DType dtype) {
    float big = dtype == DType.FLOAT16 ? 300 : 1e20f;
    // Rows: overflow to +inf; +inf and -inf partial sums (NaN); a NaN input; an inf input; ordinary.
    Tensor a = floats(dtype, Shape.of(5, 3),
        big, big, 0,
        big, -big, 1,
        Float.NaN, 1, 1,
        INF, 0, 1,
        1, 2, 3);
    Tensor b = floats(dtype, Shape.of(3, 2),
        big, 1,
        big, 1,
        1, 1);
    assertHonestPasses("tensor.matmul@1", Attributes.empty(), a, b);
    // And an infinity in B reaches every row.
    assertHonestPasses("tensor.matmul@1", Attributes.empty(), a, floats(dtype, Shape.of(3, 2), 1, 1, INF, 1, 1, 1));
  }

  /** Float32 products that overflow the float range in some orders and not in others. */
  @Test
  void matmulNearTheTopOfTheFloatRange() {
    Tensor a = Tensor.float32(Shape.of(2, 3), new float[] {3e38f, 3e38f, -3e38f, 1e19f, 1e19f, -1e19f});
    Tensor b = Tensor.float32(Shape.of(3, 1), new float[] {1, 1, 1});
    Tensor c = honest("tensor.matmul@1", a, b);
    assertThat(c.getFloat(0)).isInfinite(); // 3e38 + 3e38 overflows before -3e38 comes
    assertHonestPasses("tensor.matmul@1", Attributes.empty(), a, b);
  }

  // ---- element-wise ----

  static Stream<Arguments> binaryCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("add", "sub", "mul", "div", "max", "min")) {
      for (DType dtype : DType.values()) {
        out.add(Arguments.of("tensor." + op + "@1", dtype));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("binaryCases")
  void elementwiseBinaryOfRandomInputs(String id, DType dtype) {
    for (Shape shape : List.of(Shape.of(), Shape.of(1), Shape.of(7), Shape.of(3, 5), Shape.of(4, 1, 6), Shape.of(0, 3), Shape.of(100, 70))) {
      for (long seed : SEEDS) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Tensor x = random(dtype, shape, rnd);
        Tensor y = id.equals("tensor.div@1") && dtype == DType.INT32
            ? Fixtures.mapInts(random(dtype, shape, rnd), v -> v == 0 ? 1 : v)
            : random(dtype, shape, rnd);
        Tensor c = honest(id, x, y);
        assertThat(validate(id, Attributes.empty(), List.of(x, y), c, seed)).passes();
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("binaryCases")
  void elementwiseBinaryOfSpecialValues(String id, DType dtype) {
    if (dtype == DType.INT32) {
      int[] v = {0, 1, -1, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, 46341, -46341};
      int n = v.length * v.length;
      int[] x = new int[n];
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        x[i] = v[i / v.length];
        y[i] = v[i % v.length] == 0 && id.equals("tensor.div@1") ? -1 : v[i % v.length];
      }
      assertHonestPasses(id, Attributes.empty(), Tensor.int32(Shape.of(n), x), Tensor.int32(Shape.of(n), y));
      return;
    }
    int n = SPECIALS.length * SPECIALS.length;
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = SPECIALS[i / SPECIALS.length];
      y[i] = SPECIALS[i % SPECIALS.length];
    }
    assertHonestPasses(id, Attributes.empty(), floats(dtype, Shape.of(n), x), floats(dtype, Shape.of(n), y));
  }

  static Stream<Arguments> unaryCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("relu", "tanh", "sigmoid", "exp", "log")) {
      for (DType dtype : DType.values()) {
        if (dtype.isFloating() || op.equals("relu")) {
          out.add(Arguments.of("tensor." + op + "@1", dtype));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("unaryCases")
  void elementwiseUnaryOfRandomInputs(String id, DType dtype) {
    for (double range : new double[] {1, 20, 120}) {
      for (Shape shape : List.of(Shape.of(), Shape.of(9), Shape.of(5, 8), Shape.of(2, 3, 4), Shape.of(0), Shape.of(300, 30))) {
        for (long seed : SEEDS) {
          SplittableRandom rnd = new SplittableRandom(seed);
          Tensor x = dtype == DType.INT32 ? random(dtype, shape, rnd) : uniform(dtype, shape, -range, range, rnd);
          assertThat(validate(id, Attributes.empty(), List.of(x), honest(id, x), seed)).passes();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("unaryCases")
  void elementwiseUnaryOfSpecialValues(String id, DType dtype) {
    Tensor x = dtype == DType.INT32
        ? Tensor.int32(Shape.of(5), new int[] {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE})
        : floats(dtype, Shape.of(SPECIALS.length), SPECIALS);
    assertHonestPasses(id, Attributes.empty(), x);
  }

  /** Sigmoid and tanh reach the ends of their ranges exactly once rounded; exp reaches 0 and infinity. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16"})
  void unaryResultsAtTheEndsOfTheirRanges(DType dtype) {
    Tensor x = floats(dtype, Shape.of(8), 17, 20, 40, -104, -200, 89, -110, 11);
    for (String id : List.of("tensor.sigmoid@1", "tensor.tanh@1", "tensor.exp@1")) {
      Tensor c = honest(id, x);
      assertHonestPasses(id, Attributes.empty(), x);
      if (id.equals("tensor.sigmoid@1")) {
        assertThat(c.getFloat(2)).isEqualTo(1f);
        assertThat(c.getFloat(4)).isEqualTo(0f);
      }
    }
  }

  // ---- reductions and transpose ----

  static Stream<Arguments> reduceCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("sum", "mean", "max")) {
      for (DType dtype : DType.values()) {
        if (dtype.isFloating() || !op.equals("mean")) {
          out.add(Arguments.of("tensor.reduce_" + op + "@1", dtype));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("reduceCases")
  void reduceOfRandomInputsOverEveryAxis(String id, DType dtype) {
    List<Shape> shapes = List.of(Shape.of(1), Shape.of(13), Shape.of(4, 5), Shape.of(3, 1, 7), Shape.of(2, 3, 4, 5), Shape.of(2, 5000), Shape.of(3, 0));
    for (Shape shape : shapes) {
      for (int axis = -shape.rank(); axis < shape.rank(); axis++) {
        if (id.equals("tensor.reduce_max@1") && shape.dim(Math.floorMod(axis, shape.rank())) == 0) {
          continue; // the max of nothing is refused
        }
        for (long seed : SEEDS) {
          SplittableRandom rnd = new SplittableRandom(seed);
          Tensor x = dtype == DType.INT32 ? random(dtype, shape, rnd) : uniform(dtype, shape, -50, 50, rnd);
          Attributes attrs = axis(axis);
          assertThat(validate(id, attrs, List.of(x), honest(id, attrs, x), seed)).as("%s axis %d", shape, axis).passes();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("reduceCases")
  void reduceOfSpecialValuesAndOverflow(String id, DType dtype) {
    if (dtype == DType.INT32) {
      Tensor x = Tensor.int32(Shape.of(2, 3), new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 5, Integer.MIN_VALUE, -1, 0});
      assertHonestPasses(id, axis(1), x);
      assertHonestPasses(id, axis(0), x);
      return;
    }
    float big = dtype == DType.FLOAT16 ? 60000 : 3e38f;
    // Rows: overflowing sum; NaN; +inf and -inf; one infinity; cancellation of huge terms; tiny terms.
    Tensor x = floats(dtype, Shape.of(6, 3),
        big, big, 1,
        1, Float.NaN, 2,
        INF, -INF, 0,
        INF, 1, 2,
        big, -big, 0.5f,
        6e-8f, 6e-8f, -0f);
    assertHonestPasses(id, axis(1), x);
    assertHonestPasses(id, axis(0), x);
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void transposeOfRandomInputsUnderEveryPermutation(DType dtype) {
    List<Shape> shapes = List.of(Shape.of(), Shape.of(5), Shape.of(3, 4), Shape.of(2, 3, 4), Shape.of(2, 1, 3, 2), Shape.of(0, 4));
    for (Shape shape : shapes) {
      for (long[] p : permutations(shape.rank())) {
        for (long seed : SEEDS) {
          Tensor x = random(dtype, shape, new SplittableRandom(seed));
          Attributes attrs = perm(p);
          assertThat(validate("tensor.transpose@1", attrs, List.of(x), honest("tensor.transpose@1", attrs, x), seed)).passes();
        }
      }
    }
  }

  /**
   * Summed in double in the operator's order, 1e30 + 1 - 1e30 is 0; in another order it is 1, the
   * exact answer. Both are honest.
   */
  @Test
  void reduceSummedInAnotherOrder() {
    Tensor x = Tensor.float32(Shape.of(3), new float[] {1e30f, 1, -1e30f});
    assertThat(honest("tensor.reduce_sum@1", axis(0), x).getFloat(0)).isZero();
    for (float other : new float[] {0, 1}) {
      assertAlwaysPasses("tensor.reduce_sum@1", axis(0), List.of(x), Tensor.float32(Shape.of(), new float[] {other}));
    }
  }

  /**
   * Another implementation may round differently (its own exp, fused multiply-add, ...): anything
   * within the dtype tolerance of the reference passes.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource({"binaryCases", "unaryCases"})
  void resultsWithinTheDtypeToleranceOfTheReferencePass(String id, DType dtype) {
    if (dtype == DType.INT32) {
      return;
    }
    dev.shoal.operators.Tolerance tol = dev.shoal.operators.Tolerance.forDType(dtype);
    for (long seed : SEEDS) {
      SplittableRandom rnd = new SplittableRandom(seed);
      boolean unary = !List.of("add", "sub", "mul", "div", "max", "min").contains(id.substring(7, id.length() - 2));
      List<Tensor> inputs = unary
          ? List.of(uniform(dtype, Shape.of(50), 0.5, 2, rnd))
          : List.of(uniform(dtype, Shape.of(50), 0.5, 2, rnd), uniform(dtype, Shape.of(50), 0.5, 2, rnd));
      Tensor c = honest(id, Attributes.empty(), inputs.toArray(Tensor[]::new));
      // Half the tolerance, and then at most one unit of rounding to the dtype: still inside.
      Tensor nudged = Fixtures.mapFloats(c, v -> v + Math.copySign(tol.atol() / 2 + tol.rtol() / 2 * Math.abs(v), v));
      assertThat(nudged).isNotEqualTo(c);
      assertAlwaysPasses(id, Attributes.empty(), inputs, nudged);
    }
  }

  @Test
  void transposeOfSpecialValues() {
    Tensor x = Tensor.float32(Shape.of(4, 6), java.util.Arrays.copyOf(SPECIALS, 24));
    assertHonestPasses("tensor.transpose@1", perm(1, 0), x);
  }

  @Test
  void noopWithAnyInputs() {
    List<Tensor> inputs = List.of(Tensor.float32(Shape.of(2), new float[] {1, 2}), Tensor.int32(Shape.of(), new int[] {3}));
    Verdict v = Fixtures.validator("shoal.noop@1").validate(inputs, Attributes.empty(), List.of(), ValidationSettings.DEFAULT, new SplittableRandom(1));
    assertThat(v).passes().ran(Check.STRUCTURE);
  }

  private static List<long[]> permutations(int rank) {
    List<long[]> out = new ArrayList<>();
    permute(new long[rank], new boolean[rank], 0, out);
    return out;
  }

  private static void permute(long[] p, boolean[] used, int at, List<long[]> out) {
    if (at == p.length) {
      out.add(p.clone());
      return;
    }
    for (int v = 0; v < p.length; v++) {
      if (!used[v]) {
        used[v] = true;
        p[at] = v;
        permute(p, used, at + 1, out);
        used[v] = false;
      }
    }
  }
}
