package dev.shoal.operators.tiling;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.internal.TensorAccess;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Cuts C = A·B into output tiles — tile (r, c) is {@code A.rowBlock(r) · B.columnBlock(c)} — and
 * puts the computed blocks back together.
 */
public final class MatmulTiling {

  private MatmulTiling() {}

  /**
   * Tiles covering an m×n output exactly once, in row-major tile order with indices 0, 1, …; tiles
   * on the bottom and right edges may be smaller. All four sizes must be positive.
   */
  public static List<Tile> plan(int m, int n, int tileRows, int tileCols) {
    if (m < 1 || n < 1 || tileRows < 1 || tileCols < 1) {
      throw new IllegalArgumentException(
          "matmul tiling needs positive sizes, got output " + m + "x" + n + " and tile " + tileRows + "x" + tileCols);
    }
    long count = (long) Math.ceilDiv(m, tileRows) * Math.ceilDiv(n, tileCols);
    if (count > Tensor.MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          "a " + m + "x" + n + " output in " + tileRows + "x" + tileCols + " tiles makes " + count + " tiles, too many for one list");
    }
    List<Tile> tiles = new ArrayList<>((int) count);
    // Each end is the start plus what is left (at most), so nothing overflows near Integer.MAX_VALUE.
    for (int r = 0, rowTo; r < m; r = rowTo) {
      rowTo = r + Math.min(tileRows, m - r);
      for (int c = 0, colTo; c < n; c = colTo) {
        colTo = c + Math.min(tileCols, n - c);
        tiles.add(new Tile(tiles.size(), r, rowTo, c, colTo));
      }
    }
    return List.copyOf(tiles);
  }

  /**
   * Assembles the m×n product of the given dtype from one block per tile ({@code blocks.get(i)} is
   * the block of {@code tiles.get(i)}). Each block must have the dtype and exactly its tile's shape,
   * and the tiles must cover the output exactly once; otherwise an IllegalArgumentException.
   */
  public static Tensor assemble(DType dtype, int m, int n, List<Tile> tiles, List<Tensor> blocks) {
    if (m < 1 || n < 1) {
      throw new IllegalArgumentException("matmul output must have positive sizes, got " + m + "x" + n);
    }
    if ((long) m * n > Tensor.MAX_ELEMENTS) {
      throw new IllegalArgumentException("a " + m + "x" + n + " output has more than " + Tensor.MAX_ELEMENTS + " elements");
    }
    if (tiles.size() != blocks.size()) {
      throw new IllegalArgumentException(tiles.size() + " tiles but " + blocks.size() + " blocks");
    }
    boolean ints = dtype == DType.INT32;
    Object out = ints ? new int[m * n] : new float[m * n];
    BitSet covered = new BitSet(m * n);
    for (int t = 0; t < tiles.size(); t++) {
      Tile tile = tiles.get(t);
      Tensor block = blocks.get(t);
      Shape expected = Shape.of(tile.rows(), tile.cols());
      if (block.dtype() != dtype || !block.shape().equals(expected)) {
        throw new IllegalArgumentException(
            "tile " + tile.index() + " needs a " + dtype.wireName() + expected + " block, got " + block.spec());
      }
      if (tile.rowTo() > m || tile.colTo() > n) {
        throw new IllegalArgumentException("tile " + tile.index() + " lies outside the " + m + "x" + n + " output");
      }
      Object src = ints ? TensorAccess.ints(block) : TensorAccess.floats(block);
      for (int r = 0; r < tile.rows(); r++) {
        int dst = (tile.rowFrom() + r) * n + tile.colFrom();
        int overlap = covered.nextSetBit(dst);
        if (overlap >= 0 && overlap < dst + tile.cols()) {
          throw new IllegalArgumentException(
              "tile " + tile.index() + " overlaps another tile at row " + (overlap / n) + ", column " + (overlap % n));
        }
        covered.set(dst, dst + tile.cols());
        System.arraycopy(src, r * tile.cols(), out, dst, tile.cols());
      }
    }
    int missing = covered.nextClearBit(0);
    if (missing < m * n) {
      throw new IllegalArgumentException("no tile covers row " + (missing / n) + ", column " + (missing % n));
    }
    Shape shape = Shape.of(m, n);
    return ints ? TensorAccess.adoptInts(shape, (int[]) out) : TensorAccess.adoptFloats(dtype, shape, (float[]) out);
  }
}
