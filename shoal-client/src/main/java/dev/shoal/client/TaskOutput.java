package dev.shoal.client;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.Objects;

/**
 * One output of a task in a job's result: a tensor sent inline, or, when it was too large to
 * travel inline (over 1 MiB), a {@link StoredTensor} naming where the data service keeps it.
 * Either can be the input of a later job ({@link #asInput()}).
 */
public sealed interface TaskOutput permits TaskOutput.Inline, StoredTensor {

  /** An output that came with the result. */
  record Inline(Tensor tensor) implements TaskOutput {
    public Inline {
      Objects.requireNonNull(tensor, "tensor");
    }

    @Override
    public DType dtype() {
      return tensor.dtype();
    }

    @Override
    public Shape shape() {
      return tensor.shape();
    }
  }

  DType dtype();

  Shape shape();

  /** This output as the input of a task in another job: the same tensor, or the same reference. */
  default Input asInput() {
    return switch (this) {
      case Inline i -> Input.of(i.tensor());
      case StoredTensor s -> s;
    };
  }
}
