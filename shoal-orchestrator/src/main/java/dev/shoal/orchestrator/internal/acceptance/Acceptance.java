package dev.shoal.orchestrator.internal.acceptance;

import java.util.List;

/**
 * How a task's accepted result was chosen, kept with the task and returned by the API: the
 * policy, the way it was decided ({@code validated}, {@code quorum}, {@code spot_checked},
 * {@code recomputed}, {@code confirmed}), the attempt and worker whose result stands, the
 * workers whose results agreed with it, and every check applied to every result of the task.
 */
public record Acceptance(
    String policy, String decidedBy, int attempt, String peer, List<String> agreeing, List<Entry> checks) {

  /** One check on one attempt's result. */
  public record Entry(int attempt, String peer, String method, int rounds, int samples, boolean passed, String detail) {

    public static Entry of(int attempt, String peer, Check c) {
      return new Entry(attempt, peer, c.method(), c.rounds(), c.samples(), c.passed(), c.detail());
    }
  }

  public Acceptance {
    agreeing = List.copyOf(agreeing);
    checks = List.copyOf(checks);
  }

  public String toJson() {
    return Json.write(this);
  }

  /** Reads what {@link #toJson()} wrote; null for null. */
  public static Acceptance fromJson(String json) {
    return Json.read(json, Acceptance.class);
  }
}
