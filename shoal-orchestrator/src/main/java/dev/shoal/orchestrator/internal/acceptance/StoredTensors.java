package dev.shoal.orchestrator.internal.acceptance;

import dev.shoal.operators.Tensor;
import dev.shoal.protocol.v1.TensorRef;

/**
 * Reads tensors kept in the orchestrator's data service, for validators: the inputs of tasks
 * that carry them by reference, and outputs workers uploaded. Called off the core's thread.
 */
public interface StoredTensors {

  /** No data service: a reference can never be read. */
  StoredTensors NONE =
      ref -> {
        throw new IllegalStateException("this orchestrator has no data service to read " + ref.getData().getDigest());
      };

  /**
   * The tensor {@code ref} names.
   *
   * @throws IllegalStateException if it is not stored here, or its bytes are not what it says
   */
  Tensor read(TensorRef ref);
}
