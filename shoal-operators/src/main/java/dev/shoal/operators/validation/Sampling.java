package dev.shoal.operators.validation;

import java.util.random.RandomGenerator;

/**
 * Which output elements to recompute: every one when there are no more than the sample count
 * (certain detection), otherwise that many uniform draws with replacement, independent of each
 * other, so a fraction f of wrong elements is missed with probability at most (1-f)^samples.
 */
final class Sampling {

  private Sampling() {}

  static int[] positions(int count, int samples, RandomGenerator random) {
    if (count <= samples) {
      int[] all = new int[count];
      for (int i = 0; i < count; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] drawn = new int[samples];
    for (int s = 0; s < samples; s++) {
      drawn[s] = random.nextInt(count);
    }
    return drawn;
  }

  /** For a passing check's detail: "all 12 elements" or "32 of 4096 elements (drawn with replacement)". */
  static String describe(int checked, int count) {
    return checked == count
        ? "all " + count + " element" + (count == 1 ? "" : "s")
        : checked + " of " + count + " elements (drawn with replacement)";
  }
}
