package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The first check of every result: as many outputs as the operator promises for these inputs,
 * each with the promised dtype and shape. Everything after it may then index the outputs freely.
 * It needs only the outputs' specs, so it reads nothing of an output held by reference.
 */
final class Structure {

  private Structure() {}

  /**
   * {@code outputs} are the specs the result claims, null for a missing output.
   *
   * @throws dev.shoal.operators.OperatorException BAD_INPUT if the inputs do not fit the operator
   */
  static Check check(Operator operator, List<Tensor> inputs, Attributes attributes, List<TensorSpec> outputs) {
    List<TensorSpec> expected = operator.outputSpecs(inputs.stream().map(Tensor::spec).toList(), attributes);
    String problem = problem(expected, outputs);
    if (problem != null) {
      return Check.fail(Check.STRUCTURE, 0, 0, problem);
    }
    return Check.pass(Check.STRUCTURE, 0, 0, expected.isEmpty() ? "no outputs, as promised" : "outputs " + expected + " as promised");
  }

  /** What is wrong with the claimed specs (null entries: missing outputs), or null if they are exactly the expected ones. */
  static String problem(List<TensorSpec> expected, List<TensorSpec> outputs) {
    if (outputs.size() != expected.size()) {
      return "expected " + expected.size() + " output" + (expected.size() == 1 ? "" : "s") + " " + expected + ", got " + outputs.size();
    }
    for (int i = 0; i < expected.size(); i++) {
      TensorSpec t = outputs.get(i);
      if (t == null) {
        return "output " + i + " is missing (null), expected " + expected.get(i);
      }
      if (!t.equals(expected.get(i))) {
        return "output " + i + " is " + t + ", expected " + expected.get(i);
      }
      // Beyond this no tensor, honest or not, can exist; the checks index elements with ints.
      if (t.shape().elementCount() > Tensor.MAX_ELEMENTS) {
        return "output " + i + " is " + t + ", more elements than a tensor holds (" + Tensor.MAX_ELEMENTS + ")";
      }
    }
    return null;
  }

  /** The specs of tensors, null for null. */
  static List<TensorSpec> specs(List<Tensor> tensors) {
    List<TensorSpec> specs = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      specs.add(t == null ? null : t.spec());
    }
    return specs;
  }

  /** The specs the sources claim, null for a null source or spec. */
  static List<TensorSpec> claimedSpecs(List<? extends OutputElements> sources) {
    List<TensorSpec> specs = new ArrayList<>(sources.size());
    for (OutputElements o : sources) {
      specs.add(o == null ? null : o.spec());
    }
    return specs;
  }
}
