package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.apply;
import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.failure;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.op;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MatmulTest {

  private static final String MATMUL = "tensor.matmul@1";

  // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]]
  private static final float[] A = {1, 2, 3, 4, 5, 6};
  private static final float[] B = {7, 8, 9, 10, 11, 12};
  private static final float[] AB = {58, 64, 139, 154};

  @Test
  void float32ByHand() {
    assertThat(apply(MATMUL, f32(shape(2, 3), A), f32(shape(3, 2), B))).isEqualTo(f32(shape(2, 2), AB));
  }

  @Test
  void float16ByHand() {
    assertThat(apply(MATMUL, f16(shape(2, 3), A), f16(shape(3, 2), B))).isEqualTo(f16(shape(2, 2), AB));
  }

  @Test
  void int32ByHand() {
    assertThat(apply(MATMUL, i32(shape(2, 3), 1, 2, 3, 4, 5, 6), i32(shape(3, 2), 7, 8, 9, 10, 11, 12)))
        .isEqualTo(i32(shape(2, 2), 58, 64, 139, 154));
  }

  @Test
  void emptyInnerDimensionGivesZeros() {
    assertThat(apply(MATMUL, f32(shape(2, 0)), f32(shape(0, 3)))).isEqualTo(Tensor.zeros(DType.FLOAT32, shape(2, 3)));
    assertThat(apply(MATMUL, i32(shape(1, 0)), i32(shape(0, 2)))).isEqualTo(i32(shape(1, 2), 0, 0));
    assertThat(apply(MATMUL, f16(shape(0, 4)), Tensor.zeros(DType.FLOAT16, shape(4, 3))).shape()).isEqualTo(shape(0, 3));
  }

  @Test
  void float16AccumulatesInFloat32AndRoundsOnce() {
    // Halves are 2 apart at 2048. Rounding after every step would give 2048 + 1 -> 2048 (tie to
    // even) twice; accumulating in float32 gives 2050 exactly.
    assertThat(apply(MATMUL, f16(shape(1, 3), 2048, 1, 1), f16(shape(3, 1), 1, 1, 1)).toFloatArray()).containsExactly(2050);
    // The single final rounding: 2049 is a tie and goes to the even 2048.
    assertThat(apply(MATMUL, f16(shape(1, 2), 2048, 1), f16(shape(2, 1), 1, 1)).toFloatArray()).containsExactly(2048);
    // Overflow of the half range becomes infinity.
    assertThat(apply(MATMUL, f16(shape(1, 1), 300), f16(shape(1, 1), 300)).toFloatArray()).containsExactly(Float.POSITIVE_INFINITY);
  }

  @Test
  void int32WrapsLikeJavaInts() {
    assertThat(apply(MATMUL, i32(shape(1, 1), 65536), i32(shape(1, 1), 65536)).toIntArray()).containsExactly(0);
    assertThat(apply(MATMUL, i32(shape(1, 2), Integer.MAX_VALUE, 1), i32(shape(2, 1), 1, 1)).toIntArray())
        .containsExactly(Integer.MIN_VALUE);
    assertThat(apply(MATMUL, i32(shape(1, 1), -46341), i32(shape(1, 1), 46341)).toIntArray()).containsExactly(-46341 * 46341);
  }

  @Test
  void ieeeSpecialValuesPropagate() {
    Tensor out = apply(MATMUL, f32(shape(1, 2), 0, 1), f32(shape(2, 2), Float.POSITIVE_INFINITY, 1, 2, Float.NaN));
    // 0·inf = NaN; 0·1 + 1·NaN = NaN.
    assertThat(out.toFloatArray()).containsExactly(Float.NaN, Float.NaN);
    assertThat(apply(MATMUL, f32(shape(1, 1), 1), f32(shape(1, 1), Float.NEGATIVE_INFINITY)).toFloatArray())
        .containsExactly(Float.NEGATIVE_INFINITY);
  }

  @Test
  void matchesANaiveFloat32MatmulBitForBit() {
    // Both sum a·b over k in the same order in float32, so even the rounding agrees.
    SplittableRandom random = new SplittableRandom(7);
    int m = 37;
    int k = 53;
    int n = 29;
    float[] a = randomFloats(random, m * k);
    float[] b = randomFloats(random, k * n);
    float[] expected = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int p = 0; p < k; p++) {
          sum += a[i * k + p] * b[p * n + j];
        }
        expected[i * n + j] = sum;
      }
    }
    assertThat(apply(MATMUL, f32(shape(m, k), a), f32(shape(k, n), b))).isEqualTo(f32(shape(m, n), expected));
  }

  @Test
  void float32On512SquaredAgreesWithADoubleReference() {
    SplittableRandom random = new SplittableRandom(11);
    int size = 512;
    float[] a = randomFloats(random, size * size);
    float[] b = randomFloats(random, size * size);
    Tensor out = apply(MATMUL, f32(shape(size, size), a), f32(shape(size, size), b));
    SplittableRandom pick = new SplittableRandom(3);
    for (int sample = 0; sample < 200; sample++) {
      int i = pick.nextInt(size);
      int j = pick.nextInt(size);
      double sum = 0;
      for (int p = 0; p < size; p++) {
        sum += (double) a[i * size + p] * b[p * size + j];
      }
      assertThat(Tolerance.FLOAT32.close(sum, out.getFloat(i * size + j))).as("c[%d][%d]", i, j).isTrue();
    }
  }

  @Test
  void rejectsMismatchedInnerDimensions() {
    assertThat(badInput(() -> apply(MATMUL, f32(shape(2, 3), A), f32(shape(2, 3), A))))
        .hasMessage("tensor.matmul@1: inner dimensions differ: [2, 3] · [2, 3]");
  }

  @Test
  void rejectsInputsThatAreNot2d() {
    assertThat(badInput(() -> op(MATMUL).outputSpecs(List.of(spec(DType.FLOAT32, 6), spec(DType.FLOAT32, 6, 1)), Attributes.empty())))
        .hasMessage("tensor.matmul@1: needs two 2-D inputs, got [6] and [6, 1]");
    assertThat(badInput(() -> op(MATMUL).outputSpecs(List.of(spec(DType.INT32, 1, 2, 3), spec(DType.INT32, 3, 1)), Attributes.empty())))
        .hasMessageContaining("2-D");
  }

  @Test
  void rejectsMixedDTypes() {
    assertThat(badInput(() -> apply(MATMUL, f32(shape(2, 3), A), f16(shape(3, 2), B))))
        .hasMessage("tensor.matmul@1: dtypes differ: float32 vs float16");
    assertThat(badInput(() -> apply(MATMUL, i32(shape(1, 1), 1), f32(shape(1, 1), 1))))
        .hasMessage("tensor.matmul@1: dtypes differ: int32 vs float32");
  }

  @Test
  void rejectsWrongArity() {
    assertThat(badInput(() -> apply(MATMUL, f32(shape(2, 3), A)))).hasMessage("tensor.matmul@1: takes 2 inputs, got 1");
    Tensor t = f32(shape(1, 1), 1);
    assertThat(badInput(() -> apply(MATMUL, t, t, t))).hasMessage("tensor.matmul@1: takes 2 inputs, got 3");
  }

  @Test
  void rejectsAttributes() {
    Tensor t = f32(shape(1, 1), 1);
    assertThat(badInput(() -> apply(MATMUL, TestTensors.axis(0), t, t)))
        .hasMessage("tensor.matmul@1: unknown attribute 'axis'; it takes none");
  }

  @Test
  void specsAreCheckedWithoutDataAndCappedInSize() {
    assertThat(op(MATMUL).outputSpecs(List.of(spec(DType.FLOAT16, 50_000, 1), spec(DType.FLOAT16, 1, 40_000)), Attributes.empty()))
        .containsExactly(spec(DType.FLOAT16, 50_000, 40_000));
    assertThat(badInput(() -> op(MATMUL).outputSpecs(List.of(spec(DType.FLOAT32, 65_536, 1), spec(DType.FLOAT32, 1, 65_536)), Attributes.empty())))
        .hasMessageStartingWith("tensor.matmul@1: output [65536, 65536] would have 4294967296 elements");
  }

  @Test
  void anInterruptedThreadStopsTheComputation() {
    Tensor a = f32(shape(2, 3), A);
    Tensor b = f32(shape(3, 2), B);
    Thread.currentThread().interrupt();
    try {
      assertThat(failure(OperatorException.Kind.EXECUTION, () -> op(MATMUL).apply(List.of(a, b), Attributes.empty())))
          .hasMessage("tensor.matmul@1: interrupted");
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt stays visible to the caller").isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  private static float[] randomFloats(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }
}
