package dev.shoal.operators;

import dev.shoal.operators.internal.StandardOperators;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A set of operators by id; immutable and thread-safe. */
public final class OperatorRegistry {

  private static final OperatorRegistry STANDARD = of(StandardOperators.all().toArray(Operator[]::new));

  private final Map<OperatorId, Operator> byId;
  private final Set<OperatorId> ids;

  private OperatorRegistry(Map<OperatorId, Operator> byId) {
    this.byId = Map.copyOf(byId);
    this.ids = Collections.unmodifiableSet(new TreeSet<>(byId.keySet()));
  }

  /** Every operator of operator set v1. */
  public static OperatorRegistry standard() {
    return STANDARD;
  }

  /** A registry of exactly these operators; two with the same id are an IllegalArgumentException. */
  public static OperatorRegistry of(Operator... operators) {
    Map<OperatorId, Operator> m = new HashMap<>();
    for (Operator o : operators) {
      if (m.putIfAbsent(o.id(), o) != null) {
        throw new IllegalArgumentException("operator " + o.id() + " is registered twice");
      }
    }
    return new OperatorRegistry(m);
  }

  public Optional<Operator> find(OperatorId id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The operator with this id, or an OperatorException of kind UNSUPPORTED. */
  public Operator require(OperatorId id) {
    Operator o = byId.get(id);
    if (o == null) {
      throw new OperatorException(OperatorException.Kind.UNSUPPORTED, id + ": operator is not supported here");
    }
    return o;
  }

  /** The ids, sorted by name then version. */
  public Set<OperatorId> ids() {
    return ids;
  }

  @Override
  public String toString() {
    return "OperatorRegistry" + ids;
  }
}
