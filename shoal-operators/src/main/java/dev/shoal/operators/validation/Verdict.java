package dev.shoal.operators.validation;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a result passed, with the checks that were run in order. Checking stops at the first
 * failure, so a failing verdict ends with the check that failed.
 */
public record Verdict(boolean passed, List<Check> checks) {

  public Verdict {
    checks = List.copyOf(Objects.requireNonNull(checks, "checks"));
    if (checks.isEmpty()) {
      throw new IllegalArgumentException("a verdict needs at least one check");
    }
    boolean all = checks.stream().allMatch(Check::passed);
    if (passed != all) {
      throw new IllegalArgumentException("passed is " + passed + " but the checks say " + all + ": " + checks);
    }
  }

  /** A verdict that passed exactly when every check did. */
  public static Verdict of(List<Check> checks) {
    return new Verdict(checks.stream().allMatch(Check::passed), checks);
  }

  /** The first check that failed; empty if the verdict passed. */
  public Optional<Check> firstFailure() {
    return checks.stream().filter(c -> !c.passed()).findFirst();
  }

  /** Like {@code "freivalds: row 3 ..."} for the first failure; "" if the verdict passed. */
  public String failureDetail() {
    return firstFailure().map(c -> c.method() + ": " + c.detail()).orElse("");
  }

  /** The check run with this method, if any. */
  public Optional<Check> check(String method) {
    return checks.stream().filter(c -> c.method().equals(method)).findFirst();
  }
}
