package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.List;

/** {@code shoal.noop@1}: takes any inputs and attributes, returns no outputs. For measuring the mesh itself. */
final class Noop implements Operator {

  private static final OperatorId ID = new OperatorId("shoal.noop", 1);

  @Override
  public OperatorId id() {
    return ID;
  }

  @Override
  public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
    return List.of();
  }

  @Override
  public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
    return List.of();
  }

  @Override
  public boolean isCheap() {
    return true;
  }

  @Override
  public String toString() {
    return ID.toString();
  }
}
