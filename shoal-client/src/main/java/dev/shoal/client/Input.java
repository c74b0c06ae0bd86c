package dev.shoal.client;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.Objects;

/**
 * One input of a task in a job: a tensor sent inline ({@link #of}), a tensor already in the data
 * service ({@link #blob}, a {@link StoredTensor}), or an output of another task of the same job
 * ({@link #from}; the task then waits until that one's result is accepted, and runs on it).
 */
public sealed interface Input permits Input.Inline, Input.FromTask, StoredTensor {

  /** A tensor sent with the submission; over 1 MiB the orchestrator stores it and passes it by reference. */
  record Inline(Tensor tensor) implements Input {
    public Inline {
      Objects.requireNonNull(tensor, "tensor");
    }
  }

  /** Output {@code output} (from 0) of the task {@code task} of the same job. */
  record FromTask(String task, int output) implements Input {
    public FromTask {
      if (task == null || task.isEmpty()) {
        throw new IllegalArgumentException("from needs a task id");
      }
      if (output < 0) {
        throw new IllegalArgumentException("output must not be negative, got " + output);
      }
    }
  }

  static Input of(Tensor tensor) {
    return new Inline(tensor);
  }

  /** The first output of task {@code task}. */
  static Input from(String task) {
    return new FromTask(task, 0);
  }

  static Input from(String task, int output) {
    return new FromTask(task, output);
  }

  /**
   * Bytes stored in the data service, from {@code offset}, read as {@code dtype} and {@code
   * shape}; {@code digest} is {@code sha256:<hex>} or the bare hex ({@link BlobInfo#digest()}).
   */
  static StoredTensor blob(String digest, DType dtype, Shape shape, long offset) {
    return new StoredTensor(digest, dtype, shape, offset);
  }

  /** A whole stored blob (from offset 0) as a tensor. */
  static StoredTensor blob(String digest, DType dtype, Shape shape) {
    return new StoredTensor(digest, dtype, shape, 0);
  }
}
