package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.List;

/**
 * The first check of every result: as many outputs as the operator promises for these inputs,
 * each with the promised dtype and shape. Everything after it may then index the outputs freely.
 */
final class Structure {

  private Structure() {}

  /** @throws dev.shoal.operators.OperatorException BAD_INPUT if the inputs do not fit the operator */
  static Check check(Operator operator, List<Tensor> inputs, Attributes attributes, List<Tensor> outputs) {
    List<TensorSpec> expected = operator.outputSpecs(inputs.stream().map(Tensor::spec).toList(), attributes);
    String problem = problem(expected, outputs);
    if (problem != null) {
      return Check.fail(Check.STRUCTURE, 0, 0, problem);
    }
    return Check.pass(Check.STRUCTURE, 0, 0, expected.isEmpty() ? "no outputs, as promised" : "outputs " + expected + " as promised");
  }

  /** What is wrong with the outputs, or null if they have exactly the expected specs. */
  static String problem(List<TensorSpec> expected, List<Tensor> outputs) {
    if (outputs.size() != expected.size()) {
      return "expected " + expected.size() + " output" + (expected.size() == 1 ? "" : "s") + " " + expected + ", got " + outputs.size();
    }
    for (int i = 0; i < expected.size(); i++) {
      Tensor t = outputs.get(i);
      if (t == null) {
        return "output " + i + " is missing (null), expected " + expected.get(i);
      }
      if (!t.spec().equals(expected.get(i))) {
        return "output " + i + " is " + t.spec() + ", expected " + expected.get(i);
      }
    }
    return null;
  }
}
