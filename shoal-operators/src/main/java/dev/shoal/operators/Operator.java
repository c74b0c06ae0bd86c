package dev.shoal.operators;

import java.util.List;

/** A computational primitive with a versioned id; implementations are pure and thread-safe. */
public interface Operator {

  OperatorId id();

  /**
   * The dtypes and shapes the outputs will have for inputs like these, checking arity, dtypes,
   * shapes and attributes without touching any data.
   *
   * @throws OperatorException of kind BAD_INPUT, with a message naming the operator
   */
  List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes);

  /**
   * Checks as {@link #outputSpecs}, then computes. The outputs have exactly the specs {@code
   * outputSpecs} promised.
   *
   * @throws OperatorException BAD_INPUT as {@code outputSpecs}, or EXECUTION if the computation
   *     fails (including when the thread is interrupted during a long computation)
   */
  List<Tensor> apply(List<Tensor> inputs, Attributes attributes);

  /** A hint that the operator is so cheap a worker may run it inline, without a thread hop. */
  default boolean isCheap() {
    return false;
  }
}
