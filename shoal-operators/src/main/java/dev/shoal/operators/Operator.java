package dev.shoal.operators;

import java.util.List;

/** A computational primitive with a versioned id. Implementations are pure and thread-safe. */
public interface Operator {

  OperatorId id();

  /**
   * What the outputs will be for inputs like these, checking arity, dtypes, shapes and
   * attributes without touching data.
   *
   * @throws OperatorException of kind BAD_INPUT, with a message naming the operator
   */
  List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes);

  /** Checks as {@link #outputSpecs}, then computes. */
  List<Tensor> apply(List<Tensor> inputs, Attributes attributes);

  /** Whether it is so cheap that a worker may run it inline, without a thread hop. */
  default boolean isCheap() {
    return false;
  }
}
