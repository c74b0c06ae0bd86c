package dev.shoal.operators;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/** Immutable operator attributes: each a long, a double, a string or a list of longs. */
public final class Attributes {

  private static final Attributes EMPTY = new Attributes(new TreeMap<>());

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

  public Set<String> names() {
    return values.keySet();
  }

  /** The stored value: a Long, Double, String or long[] (a copy). */
  public Object raw(String name) {
    Object v = values.get(name);
    return v instanceof long[] a ? a.clone() : v;
  }

  public long getLong(String name) {
    return get(name, Long.class, "an integer");
  }

  public OptionalLong findLong(String name) {
    return has(name) ? OptionalLong.of(getLong(name)) : OptionalLong.empty();
  }

  public double getDouble(String name) {
    Object v = values.get(name);
    if (v instanceof Long l) {
      return l;
    }
    return get(name, Double.class, "a number");
  }

  public String getString(String name) {
    return get(name, String.class, "a string");
  }

  public long[] getInts(String name) {
    return get(name, long[].class, "a list of integers").clone();
  }

  private <T> T get(String name, Class<T> type, String what) {
    Object v = values.get(name);
    if (v == null) {
      throw new OperatorException(OperatorException.Kind.BAD_INPUT, "attribute '" + name + "' is missing");
    }
    if (!type.isInstance(v)) {
      throw new OperatorException(OperatorException.Kind.BAD_INPUT, "attribute '" + name + "' must be " + what);
    }
    return type.cast(v);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{");
    values.forEach(
        (k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append('=')
            .append(v instanceof long[] a ? java.util.Arrays.toString(a) : v));
    return b.append('}').toString();
  }

  /** Collects attributes; a later put of the same name wins. */
  public static final class Builder {
    private final TreeMap<String, Object> values = new TreeMap<>();

    public Builder put(String name, long value) {
      values.put(name, value);
      return this;
    }

    public Builder put(String name, double value) {
      values.put(name, value);
      return this;
    }

    public Builder put(String name, String value) {
      values.put(name, value);
      return this;
    }

    public Builder putInts(String name, long... value) {
      values.put(name, value.clone());
      return this;
    }

    public Attributes build() {
      return values.isEmpty() ? EMPTY : new Attributes(new TreeMap<>(values));
    }
  }
}
