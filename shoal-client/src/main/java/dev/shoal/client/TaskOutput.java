package dev.shoal.client;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.Objects;

/**
 * One output of a tensor task, wherever the API shows one (a job's result, {@link TaskInfo}, a
 * {@link TaskResult}, a {@link TaskInfo.KeptResult}): a tensor sent inline, or, when it was too
 * large to travel inline (over 1 MiB), a {@link StoredTensor} naming where the data service keeps
 * it. {@link #tensor()} is the inline tensor; {@link Blobs#readTensor(TaskOutput)} gives either
 * as a tensor, fetching a stored one. Either can be the input of a later job ({@link #asInput()}).
 */
public sealed interface TaskOutput permits TaskOutput.Inline, StoredTensor {

  /** An output that came with the result; {@link #tensor()} is it. */
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

  /**
   * The tensor of an output that came inline. One kept in the data service has no values here:
   * {@link IllegalStateException} naming its blob; read it with {@link
   * Blobs#readTensor(TaskOutput)} (or pass it on with {@link #asInput()}, which copies nothing).
   */
  default Tensor tensor() {
    // Only Inline overrides this (its record accessor), so here this is a StoredTensor.
    StoredTensor s = (StoredTensor) this;
    throw new IllegalStateException(
        "output " + s.dtype().wireName() + " " + s.shape() + " (" + s.byteSize() + " bytes) is kept in the data service as "
            + s.blob() + " at offset " + s.offset() + ", not inline: read it with blobs().readTensor(output)");
  }

  /** This output as the input of a task in another job: the same tensor, or the same reference. */
  default Input asInput() {
    return switch (this) {
      case Inline i -> Input.of(i.tensor());
      case StoredTensor s -> s;
    };
  }
}
