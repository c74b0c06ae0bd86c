package dev.shoal.orchestrator.internal.acceptance;

import dev.shoal.operators.Tensor;
import dev.shoal.operators.validation.OutputElements;
import dev.shoal.protocol.v1.TensorRef;

/**
 * Reads tensors kept in the orchestrator's data service, for validators: the inputs of tasks that
 * carry them by reference, read whole, and outputs workers uploaded, read whole only to recompute
 * and otherwise only at the elements validators sample. What is read of outputs is validation
 * egress, the cost of checking results held by reference, and implementations that count bytes
 * count only that: inputs are the orchestrator's own data, which tasks read anyway. Called off the
 * core's thread; implementations are thread-safe.
 */
public interface StoredTensors {

  /** No data service: a reference can never be read. */
  StoredTensors NONE =
      new StoredTensors() {
        @Override
        public Tensor input(TensorRef ref) {
          throw none(ref);
        }

        @Override
        public Tensor output(TensorRef ref) {
          throw none(ref);
        }

        @Override
        public OutputElements outputElements(TensorRef ref) {
          throw none(ref);
        }

        private Unreadable none(TensorRef ref) {
          return new Unreadable("this orchestrator has no data service to read " + ref.getData().getDigest());
        }
      };

  /**
   * A reference that cannot be read: not in this data service, never uploaded, not the size it
   * claims, or gone when read. For an output, the worker's result is wrong; for an input, the task.
   */
  final class Unreadable extends IllegalStateException {
    public Unreadable(String message) {
      super(message);
    }

    public Unreadable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A task's input, read whole; not counted as validation egress.
   *
   * @throws Unreadable if it is not stored here, or its bytes are not what it says
   */
  Tensor input(TensorRef ref);

  /**
   * A worker's output, read whole, for full recomputation; counted.
   *
   * @throws Unreadable if it is not stored here, or its bytes are not what it says
   */
  Tensor output(TensorRef ref);

  /**
   * A worker's output, whose elements are read only at the positions a validator asks for, each
   * read counted. Whether the blob is stored with the size the reference claims is checked now,
   * before any element is read.
   *
   * @throws Unreadable now if it is not stored here or not the size it claims; from
   *     {@link OutputElements#read} if it cannot be read then
   */
  OutputElements outputElements(TensorRef ref);
}
