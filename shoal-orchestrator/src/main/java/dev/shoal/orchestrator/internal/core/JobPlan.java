package dev.shoal.orchestrator.internal.core;

import java.util.List;

/**
 * A validated job, ready to be accepted: its kind ("tasks", "matmul"), the planner's spec (JSON,
 * kept so results can be assembled later), its tasks, and an optional deadline in milliseconds
 * after acceptance (0 = none) past which unfinished tasks expire.
 */
public record JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis) {}
