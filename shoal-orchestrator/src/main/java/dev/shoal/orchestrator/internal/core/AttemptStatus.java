package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;

/** One attempt of a task, as the client API shows it. */
public record AttemptStatus(
    int attempt, String peerId, AttemptState state, long dispatchedAt, long endedAt, String detail) {}
