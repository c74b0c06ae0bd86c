package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The shape every validator here shares: structure first, then the operator's checks in order,
 * stopping at the first failure (a wrong result needs no further work, and its verdict ends with
 * the check that caught it).
 */
abstract class OperatorValidator implements Validator {

  /** What one validation run sees; the outputs have passed the structure check. */
  record Claim(
      List<Tensor> inputs, Attributes attributes, List<Tensor> outputs, ValidationSettings settings, RandomGenerator random) {

    Tensor input(int i) {
      return inputs.get(i);
    }

    Tensor output() {
      return outputs.getFirst();
    }
  }

  private final Operator operator;

  OperatorValidator(String id) {
    this.operator = OperatorRegistry.standard().require(OperatorId.parse(id));
  }

  final Operator operator() {
    return operator;
  }

  @Override
  public final Verdict validate(
      List<Tensor> inputs, Attributes attributes, List<Tensor> outputs, ValidationSettings settings, RandomGenerator random) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(random, "random");
    List<Check> done = new ArrayList<>();
    Check structure = Structure.check(operator, inputs, attributes, outputs);
    done.add(structure);
    if (structure.passed()) {
      Claim claim = new Claim(List.copyOf(inputs), attributes, List.copyOf(outputs), settings, random);
      for (Function<Claim, Check> step : checks(claim)) {
        Check c = step.apply(claim);
        done.add(c);
        if (!c.passed()) {
          break;
        }
      }
    }
    return Verdict.of(done);
  }

  /** The checks after structure, in the order they run. */
  abstract List<Function<Claim, Check>> checks(Claim claim);

  /** How far honest results may spread, for comparing two results; inputs fit the operator. */
  Spread spread(List<Tensor> inputs, Attributes attributes) {
    return Spread.NONE;
  }

  @Override
  public String toString() {
    return "Validator[" + operator.id() + "]";
  }
}
