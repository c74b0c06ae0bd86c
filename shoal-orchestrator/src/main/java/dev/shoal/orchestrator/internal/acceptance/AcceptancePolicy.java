package dev.shoal.orchestrator.internal.acceptance;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a task's result is chosen. {@code first_valid}: the first result that passes validation
 * wins (subject to spot checks). {@code quorum(k of n)}: n attempts on n distinct workers, and k
 * valid results that agree. {@code manual}: valid results are kept until the client confirms one.
 * The text form ({@link #toString()}) is what clients write and what the store keeps.
 */
public record AcceptancePolicy(Kind kind, int k, int n) {

  public enum Kind {
    FIRST_VALID,
    QUORUM,
    MANUAL
  }

  /** More would only burn workers: agreement among 16 is beyond any sensible redundancy. */
  public static final int MAX_N = 16;

  public static final AcceptancePolicy FIRST_VALID = new AcceptancePolicy(Kind.FIRST_VALID, 1, 1);
  public static final AcceptancePolicy MANUAL = new AcceptancePolicy(Kind.MANUAL, 1, 1);

  private static final Pattern QUORUM = Pattern.compile("quorum\\((\\d{1,2})\\s*(?:of|/)\\s*(\\d{1,2})\\)");

  public AcceptancePolicy {
    if (kind == null || k < 1 || n < k || n > MAX_N || (kind != Kind.QUORUM && (k != 1 || n != 1))) {
      throw new IllegalArgumentException("invalid acceptance policy " + kind + " k=" + k + " n=" + n);
    }
  }

  public static AcceptancePolicy quorum(int k, int n) {
    return new AcceptancePolicy(Kind.QUORUM, k, n);
  }

  /**
   * Parses {@code first_valid}, {@code manual} or {@code quorum(k of n)} (also {@code
   * quorum(k/n)}), with 1 ≤ k ≤ n ≤ 16.
   *
   * @throws IllegalArgumentException with a message fit for a client
   */
  public static AcceptancePolicy parse(String text) {
    String s = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
    switch (s) {
      case "first_valid" -> {
        return FIRST_VALID;
      }
      case "manual" -> {
        return MANUAL;
      }
      default -> {
        Matcher m = QUORUM.matcher(s);
        if (m.matches()) {
          int k = Integer.parseInt(m.group(1));
          int n = Integer.parseInt(m.group(2));
          if (k >= 1 && k <= n && n <= MAX_N) {
            return quorum(k, n);
          }
          throw new IllegalArgumentException("quorum(k of n) needs 1 <= k <= n <= " + MAX_N + ", got k=" + k + " n=" + n);
        }
        throw new IllegalArgumentException("acceptance must be first_valid, manual or quorum(k of n)");
      }
    }
  }

  @Override
  public String toString() {
    return switch (kind) {
      case FIRST_VALID -> "first_valid";
      case MANUAL -> "manual";
      case QUORUM -> "quorum(" + k + " of " + n + ")";
    };
  }
}
