package dev.shoal.operators;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A set of operators by id. Immutable and thread-safe. */
public final class OperatorRegistry {

  private static final OperatorRegistry STANDARD = of(StandardOperators.all().toArray(Operator[]::new));

  private final Map<OperatorId, Operator> byId;

  private OperatorRegistry(Map<OperatorId, Operator> byId) {
    this.byId = Collections.unmodifiableMap(byId);
  }

  /** Every operator of operator set v1. */
  public static OperatorRegistry standard() {
    return STANDARD;
  }

  public static OperatorRegistry of(Operator... operators) {
    Map<OperatorId, Operator> m = new LinkedHashMap<>();
    for (Operator o : operators) {
      if (m.put(o.id(), o) != null) {
        throw new IllegalArgumentException("operator " + o.id() + " registered twice");
      }
    }
    return new OperatorRegistry(m);
  }

  public Optional<Operator> find(OperatorId id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Operator require(OperatorId id) {
    Operator o = byId.get(id);
    if (o == null) {
      throw new OperatorException(OperatorException.Kind.UNSUPPORTED, "operator " + id + " is not supported here");
    }
    return o;
  }

  /** Ids in a stable order (by name, then version). */
  public Set<OperatorId> ids() {
    TreeSet<OperatorId> out =
        new TreeSet<>((a, b) -> a.name().equals(b.name()) ? Integer.compare(a.version(), b.version()) : a.name().compareTo(b.name()));
    out.addAll(byId.keySet());
    return Collections.unmodifiableSet(out);
  }
}
