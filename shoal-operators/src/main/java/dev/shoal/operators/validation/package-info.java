/**
 * Checks of results that untrusted workers return, one {@link dev.shoal.operators.validation.Validator}
 * per standard operator, each answering with a {@link dev.shoal.operators.validation.Verdict} that
 * records how the result was checked.
 *
 * <p>The checks never reject a result the standard operators could have produced: every bound
 * allows for the rounding of the standard implementations (and of any implementation that rounds
 * no worse), so a failing verdict means the worker is wrong, not unlucky. What they can miss is
 * stated per check: Freivalds' test for matmul misses a wrong row with probability at most
 * 2<sup>-rounds</sup> (for floats, a row with an element off by more than twice the row's rounding
 * budget; for int32, 2<sup>-32·rounds</sup> when the errors are odd), and sampled recomputation
 * misses a result whose fraction {@code f} of elements is wrong with probability at most
 * {@code (1-f)^samples}, and never when the output has no more elements than samples.
 *
 * <p>Outputs that are not in memory (uploaded to a data service, say) are checked through
 * {@link dev.shoal.operators.validation.OutputElements}, which reads only the sampled elements:
 * {@link dev.shoal.operators.validation.Validator#validateSampled} runs the same per-element
 * checks on one sample, without the checks that need every element, and
 * {@link dev.shoal.operators.validation.Validators#agreeSampled} compares two such results at
 * shared sampled positions.
 */
package dev.shoal.operators.validation;
