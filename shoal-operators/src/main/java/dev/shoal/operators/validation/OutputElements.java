package dev.shoal.operators.validation;

import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.Objects;

/**
 * One output of a result that is not held in memory, such as a tensor a worker uploaded to a data
 * service: its claimed spec, and its elements on request. {@link Validator#validateSampled} and
 * {@link Validators#agreeSampled} read only the elements they sample, so checking a large output
 * moves a few hundred bytes of it rather than all of them.
 *
 * <p>A validator calls an implementation only from its own thread and only during one call;
 * implementations need not be thread-safe for that.
 */
public interface OutputElements {

  /**
   * The dtype and shape the output claims; held to what the operator promises before any element
   * is read.
   */
  TensorSpec spec();

  /**
   * The elements at {@code positions}, flat row-major indices below the spec's element count, in
   * the order given (a position may repeat), as a 1-D tensor of the spec's dtype with one element
   * per position. The array is the caller's: read it, do not keep or change it. Whatever this
   * throws (the data could not be read, say) propagates out of the validator unchanged.
   */
  Tensor read(int[] positions);

  /**
   * Names the content, if known: outputs whose ids are equal and non-null hold the same elements
   * (a digest of their bytes plus where in those bytes the tensor lies, say), so comparing them
   * reads nothing. Null, the default, when unknown.
   */
  default String contentId() {
    return null;
  }

  /** A tensor in memory through this interface: an inline output among outputs held by reference. */
  static OutputElements of(Tensor tensor) {
    Objects.requireNonNull(tensor, "tensor");
    return new OutputElements() {
      @Override
      public TensorSpec spec() {
        return tensor.spec();
      }

      @Override
      public Tensor read(int[] positions) {
        return Elements.at(tensor, positions).toTensor();
      }

      @Override
      public String toString() {
        return "OutputElements.of(" + tensor + ")";
      }
    };
  }
}
