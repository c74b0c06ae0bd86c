package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Checks the outputs a worker claims for one operator applied to known inputs. Implementations
 * are stateless and thread-safe; they use {@code random} only during the call, so the outcome is
 * a function of the arguments and the generator's state.
 *
 * <p>The random choices are only as good as the generator: a worker that can predict them can
 * cheat the probabilistic checks, so production callers should pass a generator seeded
 * unpredictably (e.g. {@link java.security.SecureRandom}, or a fast generator seeded from it) and
 * choose it after the result has arrived.
 */
public interface Validator {

  /**
   * Checks {@code outputs} against {@code inputs} and {@code attributes}: first their structure,
   * then the operator's own checks. Never throws on a bad result (wrong count, dtype or shape,
   * NaN, infinities): that is a failing verdict whose detail says what is wrong. Uses memory in
   * proportion to the inputs plus outputs at most.
   *
   * @throws dev.shoal.operators.OperatorException of kind BAD_INPUT if the inputs or attributes do
   *     not fit the operator: the task itself is wrong, so no result can be judged
   */
  Verdict validate(
      List<Tensor> inputs, Attributes attributes, List<Tensor> outputs, ValidationSettings settings, RandomGenerator random);

  /**
   * Checks outputs that are not in memory, reading only the elements it samples from each: for a
   * large output, a few hundred bytes rather than all of them. The structure check uses the specs
   * the outputs claim and reads nothing. The operator's checks then run on one sample of output
   * elements, drawn once with {@code random} and read once: sampled recomputation, and the
   * invariants on the sample alone (each passing check records how many elements it examined, and
   * its detail that they were drawn). Checks that need every element are not run and not listed:
   * Freivalds' test of matmul, whose sampled check says so and makes up for it by recomputing
   * {@code samples × freivaldsRounds} elements instead of {@code samples}. What a
   * sample can miss is the price: a result whose fraction {@code f} of elements is wrong passes
   * with probability at most {@code (1-f)^samples}, where the path in memory would also catch a
   * single wrong matmul row or an element that breaks an invariant anywhere.
   *
   * <p>Never throws on a bad result; what the sources throw when they are read propagates
   * unchanged. Uses memory in proportion to the inputs plus the samples.
   *
   * @throws dev.shoal.operators.OperatorException of kind BAD_INPUT if the inputs or attributes do
   *     not fit the operator
   */
  Verdict validateSampled(
      List<Tensor> inputs, Attributes attributes, List<? extends OutputElements> outputs, ValidationSettings settings,
      RandomGenerator random);
}
