package dev.shoal.orchestrator.internal.acceptance;

import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.random.RandomGenerator;

/**
 * What the core asks of validation. Implementations are pure and thread-safe: the core calls
 * them off its own thread, since checking a large result takes real time. The result's outputs
 * have already passed the structural check (count, dtypes, shapes) when these are called.
 */
public interface ResultChecker {

  /** Whether results of {@code operator} get content checks; if not, the structural check decides. */
  boolean checksContent(String operator);

  /** Checks the outputs against the task's inputs; {@code light} for trusted workers. */
  Verdict validate(TaskDescriptor task, ResultDescriptor result, boolean light, RandomGenerator random);

  /**
   * Whether two results agree: bit-exact for int32, within the operator's tolerance for floats.
   * Results held by reference may be compared at positions drawn from {@code random}, which
   * should be as unpredictable to workers as {@link #validate}'s.
   */
  boolean agree(TaskDescriptor task, ResultDescriptor a, ResultDescriptor b, RandomGenerator random);

  /** Recomputes the task here and compares: the arbiter when workers disagree. */
  Verdict recompute(TaskDescriptor task, ResultDescriptor result);
}
