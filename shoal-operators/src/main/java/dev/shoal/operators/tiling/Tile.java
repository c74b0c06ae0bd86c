package dev.shoal.operators.tiling;

/** One output tile of a tiled matmul: rows [rowFrom, rowTo) and columns [colFrom, colTo). */
public record Tile(int index, int rowFrom, int rowTo, int colFrom, int colTo) {

  public Tile {
    if (index < 0 || rowFrom < 0 || rowFrom > rowTo || colFrom < 0 || colFrom > colTo) {
      throw new IllegalArgumentException(
          "tile " + index + " rows [" + rowFrom + ", " + rowTo + ") columns [" + colFrom + ", " + colTo + ") is not a valid range");
    }
  }

  public int rows() {
    return rowTo - rowFrom;
  }

  public int cols() {
    return colTo - colFrom;
  }
}
