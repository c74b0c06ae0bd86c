package dev.shoal.operators.tiling;

/** One output tile of a tiled matmul: rows [rowFrom, rowTo) and columns [colFrom, colTo). */
public record Tile(int index, int rowFrom, int rowTo, int colFrom, int colTo) {

  public int rows() {
    return rowTo - rowFrom;
  }

  public int cols() {
    return colTo - colFrom;
  }
}
