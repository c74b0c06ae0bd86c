package dev.shoal.orchestrator.internal.core;

import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;

/**
 * One task of a planned job. {@code template} is the descriptor without an attempt; the core adds
 * the attempt at each dispatch. {@code expectedOutputs} is what the operator must return for
 * these inputs, used to validate results.
 */
public record PlannedTask(
    String taskId, TaskDescriptor template, int maxAttempts, List<TensorSpec> expectedOutputs) {}
