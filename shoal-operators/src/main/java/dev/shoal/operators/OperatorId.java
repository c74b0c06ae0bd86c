package dev.shoal.operators;

import java.util.regex.Pattern;

/** A versioned operator id, {@code name@version}, e.g. {@code tensor.matmul@1}. */
public record OperatorId(String name, int version) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

  public OperatorId {
    if (name.length() > 64 || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "operator name '" + name + "' must be lowercase dotted words (letters, digits, '_'), at most 64 characters");
    }
    if (version < 1 || version > 999) {
      throw new IllegalArgumentException("operator version must be in 1..999, got " + version);
    }
  }

  public static OperatorId parse(String id) {
    int at = id.lastIndexOf('@');
    if (at <= 0 || at == id.length() - 1) {
      throw new IllegalArgumentException("operator id '" + id + "' is not name@version");
    }
    String v = id.substring(at + 1);
    if (!v.chars().allMatch(Character::isDigit) || v.length() > 3) {
      throw new IllegalArgumentException("operator version '" + v + "' is not a number in 1..999");
    }
    return new OperatorId(id.substring(0, at), Integer.parseInt(v));
  }

  @Override
  public String toString() {
    return name + "@" + version;
  }
}
