package dev.shoal.operators;

import java.util.Objects;

/** An operator refused its inputs or failed while computing; the message names the operator. */
public final class OperatorException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** Inputs or attributes do not fit the operator: wrong arity, dtype, shape or attribute. */
    BAD_INPUT,
    /** No such operator here. */
    UNSUPPORTED,
    /** The inputs were well-formed but the computation failed (e.g. int32 division by zero). */
    EXECUTION
  }

  private final Kind kind;

  public OperatorException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
