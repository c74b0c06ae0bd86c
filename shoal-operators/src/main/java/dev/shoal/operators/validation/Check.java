package dev.shoal.operators.validation;

import java.util.Objects;
import java.util.Set;

/**
 * One check run on a result, as recorded with it: the method (one of the stable names below), the
 * Freivalds rounds it ran, how many output elements it examined one by one (recomputed, or tested
 * against an invariant), whether it passed, and a human-readable detail (on failure, what was
 * wrong and where).
 */
public record Check(String method, int rounds, int samples, boolean passed, String detail) {

  /** Output count, dtypes and shapes are what the operator promises for these inputs. */
  public static final String STRUCTURE = "structure";
  /** Properties every honest output element has, such as relu ≥ 0 or sigmoid in [0, 1]. */
  public static final String INVARIANTS = "invariants";
  /** Freivalds' randomized test of a matrix product. */
  public static final String FREIVALDS = "freivalds";
  /** Randomly chosen output elements recomputed from the inputs. */
  public static final String SAMPLED_RECOMPUTE = "sampled_recompute";
  /** The whole result recomputed and compared. */
  public static final String FULL_RECOMPUTE = "full_recompute";

  /** Every method name, so a recorded check always names one a reader knows. */
  public static final Set<String> METHODS = Set.of(STRUCTURE, INVARIANTS, FREIVALDS, SAMPLED_RECOMPUTE, FULL_RECOMPUTE);

  public Check {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(detail, "detail");
    if (!METHODS.contains(method)) {
      throw new IllegalArgumentException("unknown check method '" + method + "'; expected one of " + METHODS);
    }
    if (rounds < 0 || samples < 0) {
      throw new IllegalArgumentException("rounds and samples must be non-negative, got " + rounds + " and " + samples);
    }
  }

  static Check pass(String method, int rounds, int samples, String detail) {
    return new Check(method, rounds, samples, true, detail);
  }

  static Check fail(String method, int rounds, int samples, String detail) {
    return new Check(method, rounds, samples, false, detail);
  }
}
