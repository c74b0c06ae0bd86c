package dev.shoal.operators.tiling;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts C = A·B into output tiles, each computed from a row block of A and a column block of B,
 * and puts the tiles back together.
 */
public final class MatmulTiling {

  private MatmulTiling() {}

  /** Tiles covering an m×n output exactly once, row by row; edge tiles may be smaller. */
  public static List<Tile> plan(int m, int n, int tileRows, int tileCols) {
    if (m < 1 || n < 1 || tileRows < 1 || tileCols < 1) {
      throw new IllegalArgumentException(
          "matmul tiling needs positive sizes, got output " + m + "x" + n + " and tile " + tileRows + "x" + tileCols);
    }
    List<Tile> tiles = new ArrayList<>();
    for (int r = 0; r < m; r += tileRows) {
      for (int c = 0; c < n; c += tileCols) {
        tiles.add(new Tile(tiles.size(), r, Math.min(m, r + tileRows), c, Math.min(n, c + tileCols)));
      }
    }
    return tiles;
  }

  /** Assembles the m×n product from one block per tile, checking each block's shape and dtype. */
  public static Tensor assemble(DType dtype, int m, int n, List<Tile> tiles, List<Tensor> blocks) {
    if (tiles.size() != blocks.size()) {
      throw new IllegalArgumentException(tiles.size() + " tiles but " + blocks.size() + " blocks");
    }
    boolean ints = dtype == DType.INT32;
    float[] f = ints ? null : new float[Math.multiplyExact(m, n)];
    int[] iv = ints ? new int[Math.multiplyExact(m, n)] : null;
    for (int t = 0; t < tiles.size(); t++) {
      Tile tile = tiles.get(t);
      Tensor block = blocks.get(t);
      if (block.dtype() != dtype || !block.shape().equals(Shape.of(tile.rows(), tile.cols()))) {
        throw new IllegalArgumentException(
            "tile " + tile.index() + " needs a " + dtype.wireName() + Shape.of(tile.rows(), tile.cols()) + " block, got "
                + block.dtype().wireName() + block.shape());
      }
      if (tile.rowTo() > m || tile.colTo() > n) {
        throw new IllegalArgumentException("tile " + tile.index() + " lies outside the " + m + "x" + n + " output");
      }
      float[] bf = ints ? null : block.toFloatArray();
      int[] bi = ints ? block.toIntArray() : null;
      for (int r = 0; r < tile.rows(); r++) {
        int dst = (tile.rowFrom() + r) * n + tile.colFrom();
        if (ints) {
          System.arraycopy(bi, r * tile.cols(), iv, dst, tile.cols());
        } else {
          System.arraycopy(bf, r * tile.cols(), f, dst, tile.cols());
        }
      }
    }
    return ints ? Tensor.int32(Shape.of(m, n), iv) : dtype == DType.FLOAT16 ? Tensor.float16(Shape.of(m, n), f) : Tensor.float32(Shape.of(m, n), f);
  }
}
