package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.apply;
import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f16;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.i32;
import static dev.shoal.operators.TestTensors.op;
import static dev.shoal.operators.TestTensors.perm;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransposeTest {

  private static final String TRANSPOSE = "tensor.transpose@1";

  /** x[a][b][c] = 12a + 4b + c over [2, 3, 4]: each value is its own flat index. */
  private static Tensor iota234() {
    int[] v = new int[24];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return i32(shape(2, 3, 4), v);
  }

  @Test
  void threeDimensionalWithPerm201() {
    // Output axis i is input axis perm[i]: out[i][j][k] = x[j][k][i] = 12j + 4k + i, over [4, 2, 3].
    Tensor out = apply(TRANSPOSE, perm(2, 0, 1), iota234());
    assertThat(out.shape()).isEqualTo(shape(4, 2, 3));
    assertThat(out.getInt(0)).isEqualTo(0); // out[0][0][0] = x[0][0][0]
    assertThat(out.getInt(1)).isEqualTo(4); // out[0][0][1] = x[0][1][0]
    assertThat(out.getInt(3)).isEqualTo(12); // out[0][1][0] = x[1][0][0]
    assertThat(out.getInt(6)).isEqualTo(1); // out[1][0][0] = x[0][0][1]
    assertThat(out.getInt(16)).isEqualTo(18); // out[2][1][1] = x[1][1][2]
    assertThat(out.getInt(23)).isEqualTo(23); // out[3][1][2] = x[1][2][3]
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 3; k++) {
          assertThat(out.getInt(i * 6 + j * 3 + k)).as("out[%d][%d][%d]", i, j, k).isEqualTo(12 * j + 4 * k + i);
        }
      }
    }
  }

  @Test
  void everyPermutationOfThreeAxesIsConsistentWithItsInverse() {
    long[][] perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (long[] p : perms) {
      long[] inverse = new long[3];
      for (int i = 0; i < 3; i++) {
        inverse[(int) p[i]] = i;
      }
      Tensor there = apply(TRANSPOSE, perm(p), iota234());
      assertThat(apply(TRANSPOSE, perm(inverse), there)).isEqualTo(iota234());
    }
  }

  @Test
  void matrixTransposeForEachDType() {
    assertThat(apply(TRANSPOSE, perm(1, 0), f32(shape(2, 3), 1, 2, 3, 4, 5, 6))).isEqualTo(f32(shape(3, 2), 1, 4, 2, 5, 3, 6));
    assertThat(apply(TRANSPOSE, perm(1, 0), f16(shape(2, 3), 1, 2, 3, 4, 5, 0.1f)))
        .isEqualTo(f16(shape(3, 2), 1, 4, 2, 5, 3, 0.1f));
    assertThat(apply(TRANSPOSE, perm(1, 0), i32(shape(2, 3), 1, 2, 3, 4, 5, 6))).isEqualTo(i32(shape(3, 2), 1, 4, 2, 5, 3, 6));
  }

  @Test
  void identityScalarAndEmptyCases() {
    assertThat(apply(TRANSPOSE, perm(0, 1, 2), iota234())).isEqualTo(iota234());
    assertThat(apply(TRANSPOSE, perm(), f32(shape(), 5))).isEqualTo(f32(shape(), 5));
    assertThat(apply(TRANSPOSE, perm(0), f32(shape(3), 1, 2, 3))).isEqualTo(f32(shape(3), 1, 2, 3));
    assertThat(apply(TRANSPOSE, perm(1, 0), f32(shape(0, 3)))).isEqualTo(f32(shape(3, 0)));
    assertThat(apply(TRANSPOSE, perm(1, 0), i32(shape(1, 4), 1, 2, 3, 4))).isEqualTo(i32(shape(4, 1), 1, 2, 3, 4));
  }

  @Test
  void rankFourMovesEveryElement() {
    // [2, 3, 4, 5] with perm [3, 1, 0, 2]: out[a][b][c][d] = x[c][b][d][a].
    int[] v = new int[120];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    Tensor out = apply(TRANSPOSE, perm(3, 1, 0, 2), i32(shape(2, 3, 4, 5), v));
    assertThat(out.shape()).isEqualTo(shape(5, 3, 2, 4));
    int o = 0;
    for (int a = 0; a < 5; a++) {
      for (int b = 0; b < 3; b++) {
        for (int c = 0; c < 2; c++) {
          for (int d = 0; d < 4; d++) {
            assertThat(out.getInt(o++)).isEqualTo(c * 60 + b * 20 + d * 5 + a);
          }
        }
      }
    }
  }

  @Test
  void rejectsRepeatedAxes() {
    assertThat(badInput(() -> apply(TRANSPOSE, perm(0, 0, 1), iota234())))
        .hasMessage("tensor.transpose@1: perm [0, 0, 1] is not a permutation of 0..2");
  }

  @Test
  void rejectsAxesOutOfRange() {
    assertThat(badInput(() -> apply(TRANSPOSE, perm(0, 1, 3), iota234()))).hasMessageContaining("not a permutation of 0..2");
    assertThat(badInput(() -> apply(TRANSPOSE, perm(-1, 0, 1), iota234()))).hasMessageContaining("not a permutation");
    assertThat(badInput(() -> apply(TRANSPOSE, perm(Long.MAX_VALUE, 0, 1), iota234()))).hasMessageContaining("not a permutation");
  }

  @Test
  void rejectsTheWrongLength() {
    assertThat(badInput(() -> apply(TRANSPOSE, perm(1, 0), iota234())))
        .hasMessage("tensor.transpose@1: perm has 2 entries, the input has rank 3: [1, 0] for [2, 3, 4]");
    assertThat(badInput(() -> apply(TRANSPOSE, perm(0, 1, 2, 3), iota234()))).hasMessageContaining("has 4 entries");
    assertThat(badInput(() -> apply(TRANSPOSE, perm(), iota234()))).hasMessageContaining("has 0 entries");
  }

  @Test
  void permIsARequiredList() {
    assertThat(badInput(() -> apply(TRANSPOSE, iota234()))).hasMessage("tensor.transpose@1: attribute 'perm' is missing");
    assertThat(badInput(() -> apply(TRANSPOSE, Attributes.builder().put("perm", 1).build(), iota234())))
        .hasMessage("tensor.transpose@1: attribute 'perm' must be a list of integers, got an integer");
    assertThat(badInput(() -> apply(TRANSPOSE, Attributes.builder().putInts("perm", 1, 0).put("axes", 1).build(), f32(shape(1, 1), 1))))
        .hasMessage("tensor.transpose@1: unknown attribute 'axes'; it takes [perm]");
  }

  @Test
  void takesOneInputAndChecksSpecsWithoutData() {
    Tensor t = f32(shape(1, 1), 1);
    assertThat(badInput(() -> apply(TRANSPOSE, perm(1, 0), t, t))).hasMessage("tensor.transpose@1: takes 1 input, got 2");
    assertThat(op(TRANSPOSE).outputSpecs(List.of(spec(DType.FLOAT16, 7, 1, 9)), perm(2, 0, 1)))
        .containsExactly(spec(DType.FLOAT16, 9, 7, 1));
  }
}
