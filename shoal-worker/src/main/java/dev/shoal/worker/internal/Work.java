package dev.shoal.worker.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.worker.internal.exec.TaskExecutor;

/** What an accepted attempt runs: tensor arithmetic, or the job of a task executor. */
sealed interface Work {

  /**
   * A tensor operator with its checked attributes. {@code byReference}: an input is fetched or an
   * output uploaded (protocol 1.2), which blocks, so it never runs inline.
   */
  record Tensors(Operator operator, Attributes attributes, boolean byReference) implements Work {}

  /** A job admitted by a {@link TaskExecutor}, and the most bytes its outputs may hold. */
  record Program(TaskExecutor.Job job, long outputBudget) implements Work {}

  /** Whether it may run inline on the transport thread (only operators that say they are cheap). */
  default boolean isCheap() {
    return this instanceof Tensors t && t.operator().isCheap() && !t.byReference();
  }
}
