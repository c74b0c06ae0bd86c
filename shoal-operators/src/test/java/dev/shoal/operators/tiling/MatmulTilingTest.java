package dev.shoal.operators.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatmulTilingTest {

  private static final Operator MATMUL = OperatorRegistry.standard().require(OperatorId.parse("tensor.matmul@1"));

  /** How many tiles cover each output cell. */
  private static int[] coverage(int m, int n, List<Tile> tiles) {
    int[] count = new int[m * n];
    for (Tile t : tiles) {
      for (int r = t.rowFrom(); r < t.rowTo(); r++) {
        for (int c = t.colFrom(); c < t.colTo(); c++) {
          count[r * n + c]++;
        }
      }
    }
    return count;
  }

  @Test
  void squareOutputInWholeTiles() {
    List<Tile> tiles = MatmulTiling.plan(512, 512, 64, 64);
    assertThat(tiles).hasSize(64);
    assertThat(coverage(512, 512, tiles)).containsOnly(1);
    for (int i = 0; i < tiles.size(); i++) {
      Tile t = tiles.get(i);
      assertThat(t.index()).isEqualTo(i);
      assertThat(t.rows()).isEqualTo(64);
      assertThat(t.cols()).isEqualTo(64);
    }
    // Row-major tile order.
    assertThat(tiles.get(1)).isEqualTo(new Tile(1, 0, 64, 64, 128));
    assertThat(tiles.get(8)).isEqualTo(new Tile(8, 64, 128, 0, 64));
  }

  @Test
  void edgeTilesAreSmaller() {
    List<Tile> tiles = MatmulTiling.plan(100, 70, 32, 32);
    // ceil(100/32) = 4 rows of tiles, ceil(70/32) = 3 columns.
    assertThat(tiles).hasSize(12);
    assertThat(coverage(100, 70, tiles)).containsOnly(1);
    assertThat(tiles.get(0)).isEqualTo(new Tile(0, 0, 32, 0, 32));
    assertThat(tiles.get(2)).isEqualTo(new Tile(2, 0, 32, 64, 70));
    assertThat(tiles.get(9)).isEqualTo(new Tile(9, 96, 100, 0, 32));
    assertThat(tiles.get(11)).isEqualTo(new Tile(11, 96, 100, 64, 70));
    assertThat(tiles.get(11).rows()).isEqualTo(4);
    assertThat(tiles.get(11).cols()).isEqualTo(6);
  }

  @Test
  void aTileLargerThanTheOutputIsTheWholeOutput() {
    assertThat(MatmulTiling.plan(5, 3, 10, 10)).containsExactly(new Tile(0, 0, 5, 0, 3));
    assertThat(MatmulTiling.plan(1, 1, 1, 1)).containsExactly(new Tile(0, 0, 1, 0, 1));
  }

  @Test
  void doesNotOverflowNearIntegerMax() {
    int max = Integer.MAX_VALUE;
    assertThat(MatmulTiling.plan(max, 1, max - 1, 1))
        .containsExactly(new Tile(0, 0, max - 1, 0, 1), new Tile(1, max - 1, max, 0, 1));
    assertThat(MatmulTiling.plan(max, max, max, max)).containsExactly(new Tile(0, 0, max, 0, max));
  }

  @Test
  void rejectsNonPositiveSizes() {
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(0, 4, 2, 2)).withMessageContaining("positive");
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(4, 0, 2, 2));
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(4, 4, 0, 2));
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(4, 4, 2, 0));
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(-4, 4, 2, 2));
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.plan(4, 4, -2, 2));
  }

  @Test
  void rejectsPlansWithMoreTilesThanAListHolds() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.plan(100_000, 100_000, 1, 1))
        .withMessageContaining("10000000000 tiles");
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void tiledMatmulEqualsTheDirectOne(DType dtype) {
    SplittableRandom random = new SplittableRandom(42);
    int m = 100;
    int k = 50;
    int n = 70;
    Tensor a = random(dtype, m, k, random);
    Tensor b = random(dtype, k, n, random);
    Tensor direct = MATMUL.apply(List.of(a, b), Attributes.empty()).getFirst();

    List<Tile> tiles = MatmulTiling.plan(m, n, 32, 32);
    List<Tensor> blocks = new ArrayList<>();
    for (Tile t : tiles) {
      Tensor rows = a.rowBlock(t.rowFrom(), t.rowTo());
      Tensor cols = b.columnBlock(t.colFrom(), t.colTo());
      blocks.add(MATMUL.apply(List.of(rows, cols), Attributes.empty()).getFirst());
    }
    // Each cell sums the same products in the same order either way, so the results are identical.
    assertThat(MatmulTiling.assemble(dtype, m, n, tiles, blocks)).isEqualTo(direct);
  }

  @Test
  void assemblesBlocksInPlace() {
    List<Tile> tiles = MatmulTiling.plan(3, 3, 2, 2);
    List<Tensor> blocks =
        List.of(
            Tensor.int32(Shape.of(2, 2), new int[] {1, 2, 4, 5}),
            Tensor.int32(Shape.of(2, 1), new int[] {3, 6}),
            Tensor.int32(Shape.of(1, 2), new int[] {7, 8}),
            Tensor.int32(Shape.of(1, 1), new int[] {9}));
    assertThat(MatmulTiling.assemble(DType.INT32, 3, 3, tiles, blocks))
        .isEqualTo(Tensor.int32(Shape.of(3, 3), new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }

  @Test
  void assembledDTypeIsTheOneGiven() {
    List<Tile> tiles = MatmulTiling.plan(1, 2, 1, 1);
    List<Tensor> blocks = List.of(Tensor.float16(Shape.of(1, 1), new float[] {1}), Tensor.float16(Shape.of(1, 1), new float[] {2}));
    assertThat(MatmulTiling.assemble(DType.FLOAT16, 1, 2, tiles, blocks)).isEqualTo(Tensor.float16(Shape.of(1, 2), new float[] {1, 2}));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.FLOAT32, 1, 2, tiles, blocks))
        .withMessage("tile 0 needs a float32[1, 1] block, got float16[1, 1]");
  }

  @Test
  void eachBlockMustHaveItsTilesShape() {
    List<Tile> tiles = MatmulTiling.plan(2, 2, 1, 2);
    List<Tensor> blocks = List.of(Tensor.zeros(DType.FLOAT32, Shape.of(1, 2)), Tensor.zeros(DType.FLOAT32, Shape.of(2, 1)));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.FLOAT32, 2, 2, tiles, blocks))
        .withMessage("tile 1 needs a float32[1, 2] block, got float32[2, 1]");
  }

  @Test
  void rejectsMissingOverlappingAndStrayTiles() {
    Tensor one = Tensor.zeros(DType.INT32, Shape.of(1, 1));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.INT32, 1, 2, List.of(new Tile(0, 0, 1, 0, 1)), List.of(one)))
        .withMessage("no tile covers row 0, column 1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.INT32, 1, 2, List.of(new Tile(0, 0, 1, 0, 1), new Tile(1, 0, 1, 0, 1)), List.of(one, one)))
        .withMessage("tile 1 overlaps another tile at row 0, column 0");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.INT32, 1, 1, List.of(new Tile(0, 0, 1, 1, 2)), List.of(one)))
        .withMessage("tile 0 lies outside the 1x1 output");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MatmulTiling.assemble(DType.INT32, 1, 1, List.of(new Tile(0, 0, 1, 0, 1)), List.of()))
        .withMessage("1 tiles but 0 blocks");
    assertThatIllegalArgumentException().isThrownBy(() -> MatmulTiling.assemble(DType.INT32, 0, 1, List.of(), List.of()));
  }

  @Test
  void tilesAreWellFormedRanges() {
    assertThatIllegalArgumentException().isThrownBy(() -> new Tile(0, 2, 1, 0, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> new Tile(0, 0, 1, -1, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> new Tile(-1, 0, 1, 0, 1));
    assertThat(new Tile(0, 3, 3, 0, 0).rows()).isZero();
  }

  private static Tensor random(DType dtype, int rows, int cols, SplittableRandom random) {
    Shape shape = Shape.of(rows, cols);
    if (dtype == DType.INT32) {
      int[] v = new int[rows * cols];
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextInt(-1000, 1000);
      }
      return Tensor.int32(shape, v);
    }
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return dtype == DType.FLOAT16 ? Tensor.float16(shape, v) : Tensor.float32(shape, v);
  }
}
