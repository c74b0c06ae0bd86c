package dev.shoal.operators;

import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Pattern;

/** A versioned operator id, written {@code name@version}, e.g. {@code tensor.matmul@1}. */
public record OperatorId(String name, int version) implements Comparable<OperatorId> {

  /** The longest name allowed. */
  public static final int MAX_NAME_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,2}");
  private static final Comparator<OperatorId> ORDER =
      Comparator.comparing(OperatorId::name).thenComparingInt(OperatorId::version);

  public OperatorId {
    Objects.requireNonNull(name, "name");
    // Length first, so a huge string never reaches the regex.
    if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "operator name '" + name + "' must be lowercase dot-separated words of [a-z0-9_], each starting with a letter,"
              + " at most " + MAX_NAME_LENGTH + " characters");
    }
    if (version < 1 || version > 999) {
      throw new IllegalArgumentException("operator version must be in 1..999, got " + version);
    }
  }

  /**
   * Parses {@code name@version}. The version is a plain decimal without leading zeros, so every id
   * has exactly one spelling and ids compare as strings.
   */
  public static OperatorId parse(String id) {
    Objects.requireNonNull(id, "id");
    int at = id.lastIndexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException("operator id '" + id + "' is not name@version, e.g. tensor.matmul@1");
    }
    String version = id.substring(at + 1);
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException(
          "operator id '" + id + "' has version '" + version + "'; expected a number in 1..999 without leading zeros");
    }
    return new OperatorId(id.substring(0, at), Integer.parseInt(version));
  }

  /** By name, then version. */
  @Override
  public int compareTo(OperatorId other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return name + "@" + version;
  }
}
