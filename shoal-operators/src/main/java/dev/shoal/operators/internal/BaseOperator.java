package dev.shoal.operators.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shared shape of the standard operators: a fixed arity and a fixed set of attribute names are
 * checked first, and {@link #apply} always runs the very checks of {@link #outputSpecs} before
 * computing. Every error message starts with the operator id.
 */
abstract class BaseOperator implements Operator {

  private final OperatorId id;
  private final int arity;
  private final Set<String> attributeNames;

  BaseOperator(String name, int arity, String... attributeNames) {
    this.id = new OperatorId(name, 1);
    this.arity = arity;
    this.attributeNames = new TreeSet<>(List.of(attributeNames));
  }

  @Override
  public final OperatorId id() {
    return id;
  }

  @Override
  public final List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
    if (inputs.size() != arity) {
      throw bad("takes " + arity + " input" + (arity == 1 ? "" : "s") + ", got " + inputs.size());
    }
    for (String name : attributes.names()) {
      // Unknown attributes are refused, so a misspelt one is reported rather than silently ignored.
      if (!attributeNames.contains(name)) {
        throw bad("unknown attribute '" + name + "'; " + (attributeNames.isEmpty() ? "it takes none" : "it takes " + attributeNames));
      }
    }
    return check(inputs, attributes);
  }

  @Override
  public final List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
    List<TensorSpec> outputs = outputSpecs(inputs.stream().map(Tensor::spec).toList(), attributes);
    return compute(inputs, attributes, outputs);
  }

  /** Checks the inputs and attributes (arity and attribute names are already checked). */
  abstract List<TensorSpec> check(List<TensorSpec> inputs, Attributes attributes);

  /** Computes outputs of exactly the given specs, for inputs that passed {@link #check}. */
  abstract List<Tensor> compute(List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs);

  final OperatorException bad(String message) {
    return new OperatorException(OperatorException.Kind.BAD_INPUT, id + ": " + message);
  }

  final OperatorException failed(String message) {
    return new OperatorException(OperatorException.Kind.EXECUTION, id + ": " + message);
  }

  /** An output spec, refused if it has more elements than a tensor can hold. */
  final TensorSpec output(DType dtype, int... dims) {
    Shape shape;
    try {
      shape = Shape.of(dims);
    } catch (IllegalArgumentException e) {
      // An empty input can have huge other dimensions; dropping or moving its zero can overflow.
      throw bad("output " + Arrays.toString(dims) + " would have more than " + Long.MAX_VALUE + " elements; the limit is " + Tensor.MAX_ELEMENTS);
    }
    if (shape.elementCount() > Tensor.MAX_ELEMENTS) {
      throw bad("output " + shape + " would have " + shape.elementCount() + " elements; the limit is " + Tensor.MAX_ELEMENTS);
    }
    return new TensorSpec(dtype, shape);
  }

  final void requireFloating(TensorSpec input) {
    if (!input.dtype().isFloating()) {
      throw bad("needs a floating-point input (float32 or float16), got " + input.dtype().wireName());
    }
  }

  final void requireSameDType(TensorSpec a, TensorSpec b) {
    if (a.dtype() != b.dtype()) {
      throw bad("dtypes differ: " + a.dtype().wireName() + " vs " + b.dtype().wireName());
    }
  }

  final long longAttribute(Attributes attributes, String name) {
    try {
      return attributes.getLong(name);
    } catch (OperatorException e) {
      throw bad(e.getMessage());
    }
  }

  final long[] intsAttribute(Attributes attributes, String name) {
    try {
      return attributes.getInts(name);
    } catch (OperatorException e) {
      throw bad(e.getMessage());
    }
  }

  /** Long loops call this between rows: a worker enforces timeouts by interrupting the computing thread. */
  final void checkInterrupted() {
    if (Thread.currentThread().isInterrupted()) {
      throw failed("interrupted");
    }
  }

  @Override
  public String toString() {
    return id.toString();
  }
}
