package dev.shoal.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Immutable copies of the loosely typed maps requests carry, checked once so encoding never fails. */
final class Attributes {

  private Attributes() {}

  /**
   * A tensor operator's attributes: {@code Long} (from any integer), {@code Double} (from any
   * float), {@code String} or {@code long[]} (from {@code int[]} too).
   */
  static Map<String, Object> tensorAttributes(Map<String, ?> attributes) {
    Map<String, Object> copy = new LinkedHashMap<>();
    attributes.forEach(
        (name, value) -> {
          switch (value) {
            case Long l -> copy.put(name, l);
            case Integer i -> copy.put(name, (long) i);
            case Double d -> copy.put(name, d);
            case Float f -> copy.put(name, (double) f);
            case String s -> copy.put(name, s);
            case long[] ls -> copy.put(name, ls.clone());
            case int[] is -> copy.put(name, Arrays.stream(is).asLongStream().toArray());
            case null, default ->
                throw new IllegalArgumentException(
                    "attribute " + name + " must be an integer, a number, a string or an integer array, got " + value);
          }
        });
    return Collections.unmodifiableMap(copy);
  }

  /**
   * A JSON object given as Java values: strings, numbers, booleans, nulls, lists and maps with
   * string keys, nested; copied so later changes to the caller's map are not seen.
   */
  static Map<String, Object> jsonObject(String what, Map<String, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach(
        (name, value) -> {
          if (name == null) {
            throw new IllegalArgumentException(what + " has a null key");
          }
          copy.put(name, jsonValue(what + "." + name, value));
        });
    return Collections.unmodifiableMap(copy);
  }

  private static Object jsonValue(String where, Object value) {
    return switch (value) {
      case null -> null;
      case String s -> s;
      case Boolean b -> b;
      case Integer i -> i;
      case Long l -> l;
      case Short s -> (int) s;
      case Byte b -> (int) b;
      case BigInteger b -> b;
      case BigDecimal b -> b;
      case Double d when Double.isFinite(d) -> d;
      case Float f when Float.isFinite(f) -> (double) f;
      case List<?> list -> {
        List<Object> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
          out.add(jsonValue(where + "[" + i + "]", list.get(i)));
        }
        yield Collections.unmodifiableList(out);
      }
      case Map<?, ?> m -> {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach(
            (k, v) -> {
              if (!(k instanceof String key)) {
                throw new IllegalArgumentException(where + " has a key that is not a string: " + k);
              }
              out.put(key, jsonValue(where + "." + key, v));
            });
        yield Collections.unmodifiableMap(out);
      }
      default ->
          throw new IllegalArgumentException(
              where + " must be a string, a finite number, a boolean, null, a list or a map, got " + value);
    };
  }
}
