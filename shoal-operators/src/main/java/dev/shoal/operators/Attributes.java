package dev.shoal.operators;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/** Immutable operator attributes by name; each value is a long, a double, a string or a list of longs. */
public final class Attributes {

  private static final Attributes EMPTY = new Attributes(new TreeMap<>());

  /** Values are Long, Double, String or long[]; the arrays are never exposed. Sorted by name. */
  private final Map<String, Object> values;

  private Attributes(TreeMap<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static Attributes empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** The attribute names, sorted. */
  public Set<String> names() {
    return values.keySet();
  }

  /** The value for generic iteration: a Long, Double, String or long[] (a copy); null if absent. */
  public Object raw(String name) {
    Object v = values.get(name);
    return v instanceof long[] a ? a.clone() : v;
  }

  public long getLong(String name) {
    return get(name, Long.class, "an integer");
  }

  /** The long value if present; present with another kind is still an error. */
  public OptionalLong findLong(String name) {
    return has(name) ? OptionalLong.of(getLong(name)) : OptionalLong.empty();
  }

  /** A double, or an integer widened to double (JSON does not distinguish {@code 1} from {@code 1.0}). */
  public double getDouble(String name) {
    if (values.get(name) instanceof Long l) {
      return l;
    }
    return get(name, Double.class, "a number");
  }

  public String getString(String name) {
    return get(name, String.class, "a string");
  }

  /** A copy of the list value. */
  public long[] getInts(String name) {
    return get(name, long[].class, "a list of integers").clone();
  }

  private <T> T get(String name, Class<T> type, String what) {
    Object v = values.get(name);
    if (v == null) {
      throw new OperatorException(OperatorException.Kind.BAD_INPUT, "attribute '" + name + "' is missing");
    }
    if (!type.isInstance(v)) {
      throw new OperatorException(
          OperatorException.Kind.BAD_INPUT, "attribute '" + name + "' must be " + what + ", got " + kindOf(v));
    }
    return type.cast(v);
  }

  private static String kindOf(Object v) {
    return switch (v) {
      case Long l -> "an integer";
      case Double d -> "a number";
      case String s -> "a string";
      default -> "a list of integers";
    };
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Attributes other) || !values.keySet().equals(other.values.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), other.values.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      h += e.getKey().hashCode() ^ (v instanceof long[] a ? Arrays.hashCode(a) : v.hashCode());
    }
    return h;
  }

  /** Like {@code {axis=1, perm=[1, 0]}}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{");
    values.forEach(
        (k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append('=')
            .append(v instanceof long[] a ? Arrays.toString(a) : v));
    return b.append('}').toString();
  }

  /** Collects attributes; a later put of the same name replaces the earlier value. */
  public static final class Builder {
    private final TreeMap<String, Object> values = new TreeMap<>();

    private Builder() {}

    public Builder put(String name, long value) {
      return set(name, value);
    }

    public Builder put(String name, double value) {
      return set(name, value);
    }

    public Builder put(String name, String value) {
      return set(name, Objects.requireNonNull(value, "value"));
    }

    public Builder putInts(String name, long... values) {
      return set(name, values.clone());
    }

    private Builder set(String name, Object value) {
      values.put(Objects.requireNonNull(name, "name"), value);
      return this;
    }

    public Attributes build() {
      return values.isEmpty() ? EMPTY : new Attributes(new TreeMap<>(values));
    }
  }
}
