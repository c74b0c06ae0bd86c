package dev.shoal.operators;

import static dev.shoal.operators.OperatorTestSupport.apply1;
import static dev.shoal.operators.OperatorTestSupport.assertBadInput;
import static dev.shoal.operators.OperatorTestSupport.op;
import static dev.shoal.operators.OperatorTestSupport.perm;
import static dev.shoal.operators.OperatorTestSupport.spec;
import static dev.shoal.operators.OperatorTestSupport.tensor;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TransposeOperatorTest {

  private static final Operator TRANSPOSE = op("tensor.transpose@1");

  /** x[i][j][k] = 12i + 4j + k, shape [2,3,4]. */
  private static Tensor twoByThreeByFour(DType dtype) {
    double[] v = new double[24];
    for (int i = 0; i < 24; i++) {
      v[i] = i;
    }
    return tensor(dtype, Shape.of(2, 3, 4), v);
  }

  @Test
  void permTwoZeroOneMovesTheLastAxisFirst() {
    Tensor out = apply1(TRANSPOSE, perm(2, 0, 1), twoByThreeByFour(DType.FLOAT32));
    // out[a][b][c] = x[b][c][a] = 12b + 4c + a; out has shape [4,2,3] and flat index 6a + 3b + c.
    assertThat(out.shape()).isEqualTo(Shape.of(4, 2, 3));
    assertThat(out.getFloat(0)).isEqualTo(0f); // out[0][0][0] = x[0][0][0]
    assertThat(out.getFloat(1)).isEqualTo(4f); // out[0][0][1] = x[0][1][0]
    assertThat(out.getFloat(3)).isEqualTo(12f); // out[0][1][0] = x[1][0][0]
    assertThat(out.getFloat(6)).isEqualTo(1f); // out[1][0][0] = x[0][0][1]
    assertThat(out.getFloat(15)).isEqualTo(14f); // out[2][1][0] = x[1][0][2]
    assertThat(out.getFloat(23)).isEqualTo(23f); // out[3][1][2] = x[1][2][3]
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void permTwoZeroOneGivesEveryElement(DType dtype) {
    Tensor out = apply1(TRANSPOSE, perm(2, 0, 1), twoByThreeByFour(dtype));
    assertThat(out).isEqualTo(tensor(dtype, Shape.of(4, 2, 3),
        0, 4, 8, 12, 16, 20,
        1, 5, 9, 13, 17, 21,
        2, 6, 10, 14, 18, 22,
        3, 7, 11, 15, 19, 23));
  }

  @Test
  void permOneTwoZeroMovesTheFirstAxisLast() {
    // out[a][b][c] = x[c][a][b] = 12c + 4a + b; shape [3,4,2]
    Tensor out = apply1(TRANSPOSE, perm(1, 2, 0), twoByThreeByFour(DType.INT32));
    assertThat(out).isEqualTo(tensor(DType.INT32, Shape.of(3, 4, 2),
        0, 12, 1, 13, 2, 14, 3, 15,
        4, 16, 5, 17, 6, 18, 7, 19,
        8, 20, 9, 21, 10, 22, 11, 23));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void transposesAMatrix(DType dtype) {
    Tensor m = tensor(dtype, Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    assertThat(apply1(TRANSPOSE, perm(1, 0), m)).isEqualTo(tensor(dtype, Shape.of(3, 2), 1, 4, 2, 5, 3, 6));
  }

  @Test
  void identityPermLeavesTheTensorAlone() {
    Tensor t = twoByThreeByFour(DType.FLOAT16);
    assertThat(apply1(TRANSPOSE, perm(0, 1, 2), t)).isEqualTo(t);
  }

  @Test
  void aScalarTransposesWithTheEmptyPerm() {
    Tensor s = tensor(DType.FLOAT32, Shape.of(), 42);
    assertThat(apply1(TRANSPOSE, perm(), s)).isEqualTo(tensor(DType.FLOAT32, Shape.of(), 42));
  }

  @Test
  void anEmptyTensorTransposesToAnEmptyTensor() {
    Tensor e = tensor(DType.INT32, Shape.of(0, 3));
    assertThat(apply1(TRANSPOSE, perm(1, 0), e)).isEqualTo(tensor(DType.INT32, Shape.of(3, 0)));
  }

  @Test
  void outputSpecPermutesTheDimensions() {
    assertThat(TRANSPOSE.outputSpecs(List.of(spec(DType.FLOAT16, 2, 3, 4)), perm(2, 0, 1)))
        .containsExactly(spec(DType.FLOAT16, 4, 2, 3));
  }

  @Test
  void anEmptyTensorWithHugeDimensionsTransposes() {
    // [0, max, max, max] is a valid empty tensor (PROTOCOL.md: up to 8 non-negative dims), and so
    // is its transpose [max, max, max, 0].
    int max = Integer.MAX_VALUE;
    assertThat(TRANSPOSE.outputSpecs(List.of(spec(DType.FLOAT32, 0, max, max, max)), perm(1, 2, 3, 0)))
        .containsExactly(spec(DType.FLOAT32, max, max, max, 0));
  }

  // --- bad perms ---

  @Test
  void aRepeatedAxisIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), perm(0, 0, 1)))
        .hasMessageContaining("tensor.transpose@1")
        .hasMessageContaining("[0, 0, 1] is not a permutation of 0..2");
  }

  @Test
  void aPermOfTheWrongLengthIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), perm(1, 0)))
        .hasMessageContaining("tensor.transpose@1")
        .hasMessageContaining("perm has 2 entries, the input has rank 3");
  }

  @Test
  void aTooLongPermIsBadInput() {
    assertBadInput(() -> TRANSPOSE.outputSpecs(List.of(spec(DType.FLOAT32)), perm(0)))
        .hasMessageContaining("perm has 1 entries, the input has rank 0");
  }

  @Test
  void anAxisOutOfRangeIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), perm(0, 1, 3)))
        .hasMessageContaining("is not a permutation of 0..2");
  }

  @Test
  void aNegativeAxisIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), perm(-1, 0, 1)))
        .hasMessageContaining("is not a permutation of 0..2");
  }

  @Test
  void anAxisBeyondIntRangeIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), perm(0, 1, 1L << 32)))
        .hasMessageContaining("is not a permutation");
  }

  @Test
  void aMissingPermIsBadInput() {
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), Attributes.empty()))
        .hasMessageContaining("tensor.transpose@1")
        .hasMessageContaining("'perm' is missing");
  }

  @Test
  void aPermThatIsNotAListIsBadInput() {
    Attributes attrs = Attributes.builder().put("perm", 1).build();
    assertBadInput(() -> TRANSPOSE.apply(List.of(twoByThreeByFour(DType.FLOAT32)), attrs))
        .hasMessageContaining("'perm' must be a list of integers");
  }

  @Test
  void needsExactlyOneInput() {
    Tensor t = twoByThreeByFour(DType.FLOAT32);
    assertBadInput(() -> TRANSPOSE.apply(List.of(t, t), perm(0, 1, 2))).hasMessageContaining("takes 1 input, got 2");
  }
}
