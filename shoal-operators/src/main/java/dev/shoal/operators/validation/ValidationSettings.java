package dev.shoal.operators.validation;

/**
 * How hard to check one result: the rounds of Freivalds' test for matmul (each halves, at least,
 * the chance of missing a wrong row) and the output elements recomputed from the inputs (a result
 * with a fraction {@code f} of wrong elements slips through with probability at most
 * {@code (1-f)^samples}). Immutable.
 */
public record ValidationSettings(int freivaldsRounds, int samples) {

  /** More rounds than this buys nothing: 2^-64 is below any hardware error rate. */
  public static final int MAX_ROUNDS = 64;
  /** Bounds the work one check may spend on sampling, whatever a config file says. */
  public static final int MAX_SAMPLES = 1 << 20;

  /** For untrusted workers: 8 rounds (a wrong matmul row passes with probability at most 1/256), 32 samples. */
  public static final ValidationSettings DEFAULT = new ValidationSettings(8, 32);
  /** For trusted workers, as a spot check: 2 rounds, 8 samples. */
  public static final ValidationSettings LIGHT = new ValidationSettings(2, 8);

  public ValidationSettings {
    if (freivaldsRounds < 1 || freivaldsRounds > MAX_ROUNDS) {
      throw new IllegalArgumentException("freivaldsRounds must be in 1.." + MAX_ROUNDS + ", got " + freivaldsRounds);
    }
    if (samples < 1 || samples > MAX_SAMPLES) {
      throw new IllegalArgumentException("samples must be in 1.." + MAX_SAMPLES + ", got " + samples);
    }
  }
}
