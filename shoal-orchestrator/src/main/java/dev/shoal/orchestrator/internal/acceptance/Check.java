package dev.shoal.orchestrator.internal.acceptance;

/**
 * One check applied to one result: how ({@code method}: structure, invariants, freivalds,
 * sampled_recompute, full_recompute, agreement, spot_check, signature), how hard ({@code rounds}
 * or {@code samples}, 0 when not applicable), and with what outcome.
 */
public record Check(String method, int rounds, int samples, boolean passed, String detail) {

  public Check {
    detail = detail == null ? "" : detail;
  }

  public static Check passed(String method, String detail) {
    return new Check(method, 0, 0, true, detail);
  }

  public static Check failed(String method, String detail) {
    return new Check(method, 0, 0, false, detail);
  }
}
