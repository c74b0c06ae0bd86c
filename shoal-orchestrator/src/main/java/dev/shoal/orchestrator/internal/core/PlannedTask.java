package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;

/**
 * One task of a planned job. {@code template} is the descriptor without an attempt; the core adds
 * the attempt at each dispatch. {@code expectedOutputs} is what the operator must return for
 * these inputs, used to validate results (empty for programs such as {@code llm.chat@1});
 * {@code policy} says how its result is accepted; {@code routing} which workers may run it.
 */
public record PlannedTask(
    String taskId,
    TaskDescriptor template,
    int maxAttempts,
    List<TensorSpec> expectedOutputs,
    AcceptancePolicy policy,
    Routing routing) {

  /** A task for any worker that runs its operator. */
  public PlannedTask(
      String taskId, TaskDescriptor template, int maxAttempts, List<TensorSpec> expectedOutputs, AcceptancePolicy policy) {
    this(taskId, template, maxAttempts, expectedOutputs, policy, Routing.ANY);
  }

  /** A task accepted under {@code first_valid}. */
  public PlannedTask(String taskId, TaskDescriptor template, int maxAttempts, List<TensorSpec> expectedOutputs) {
    this(taskId, template, maxAttempts, expectedOutputs, AcceptancePolicy.FIRST_VALID);
  }

  public PlannedTask withRouting(Routing r) {
    return new PlannedTask(taskId, template, maxAttempts, expectedOutputs, policy, r);
  }
}
