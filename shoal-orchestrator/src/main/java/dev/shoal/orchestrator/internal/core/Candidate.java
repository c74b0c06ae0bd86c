package dev.shoal.orchestrator.internal.core;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A valid result of a task that has not been chosen or discarded yet, with the other candidates
 * its outputs agree with. Agreement within a tolerance is not transitive, so it is kept pairwise.
 * Confined to the core's synchronization context.
 */
final class Candidate {
  final Attempt attempt;
  final Set<Candidate> agrees = new LinkedHashSet<>();

  Candidate(Attempt attempt) {
    this.attempt = attempt;
  }

  String peerId() {
    return attempt.peerId;
  }

  /** This candidate plus every candidate that agrees with it. */
  int support() {
    return 1 + agrees.size();
  }
}
