package dev.shoal.orchestrator.internal.acceptance;

import java.util.List;

/** The outcome of validating one result: passed only if every check passed. */
public record Verdict(boolean passed, List<Check> checks) {

  public Verdict {
    checks = List.copyOf(checks);
  }

  public static Verdict of(List<Check> checks) {
    return new Verdict(checks.stream().allMatch(Check::passed), checks);
  }

  /** The first failing check's method and detail, or "" when the verdict passed. */
  public String failure() {
    return checks.stream()
        .filter(c -> !c.passed())
        .findFirst()
        .map(c -> c.method() + ": " + c.detail())
        .orElse("");
  }

  public String toJson() {
    return Json.write(this);
  }

  /** Reads what {@link #toJson()} wrote; null for null. */
  public static Verdict fromJson(String json) {
    return Json.read(json, Verdict.class);
  }
}
