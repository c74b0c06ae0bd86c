package dev.shoal.operators.validation;

/**
 * How far, element by element, an honest result may lie from the exact one before its final
 * rounding to the output dtype: what two honest workers' results may differ by, beyond rounding
 * and tolerance. Used when comparing results with each other rather than with a reference.
 */
interface Spread {

  /** Results are the exact value rounded once (element-wise operators, transpose, max). */
  Spread NONE = new Spread() {
    @Override
    public double allowance(int index) {
      return 0;
    }

    @Override
    public boolean mayDiffer(int index) {
      return false;
    }
  };

  /** The bound on |honest - exact| before rounding, ≥ 0, possibly infinite. */
  double allowance(int index);

  /**
   * Whether two honest results may legitimately differ in being finite or in which non-finite value
   * they are, e.g. where a float sum may or may not overflow depending on the order of the terms.
   */
  boolean mayDiffer(int index);
}
