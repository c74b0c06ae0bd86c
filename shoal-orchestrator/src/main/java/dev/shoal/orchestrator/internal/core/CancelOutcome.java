package dev.shoal.orchestrator.internal.core;

/** What a cancel request did: nothing (no such job), nothing (already finished), or cancelled. */
public enum CancelOutcome {
  NOT_FOUND,
  ALREADY_FINISHED,
  CANCELLED
}
