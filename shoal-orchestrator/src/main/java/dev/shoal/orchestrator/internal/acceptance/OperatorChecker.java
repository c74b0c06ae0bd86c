package dev.shoal.orchestrator.internal.acceptance;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.validation.ValidationSettings;
import dev.shoal.operators.validation.Validators;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The standard operators' validators ({@code dev.shoal.operators.validation}) behind the core's
 * {@link ResultChecker}: Freivalds and sampled recomputation for matmul, sampled recomputation
 * for the rest, invariants for each, full recomputation as the arbiter. Trusted workers get the
 * light settings (fewer rounds and samples), never none.
 */
public final class OperatorChecker implements ResultChecker {

  private final OperatorRegistry operators;
  private final ValidationSettings full;
  private final ValidationSettings light;
  private final StoredTensors stored;

  public OperatorChecker(OperatorRegistry operators) {
    this(operators, ValidationSettings.DEFAULT, ValidationSettings.LIGHT);
  }

  public OperatorChecker(OperatorRegistry operators, ValidationSettings full, ValidationSettings light) {
    this(operators, full, light, StoredTensors.NONE);
  }

  /** Inputs and outputs kept in the data service are read through {@code stored}. */
  public OperatorChecker(OperatorRegistry operators, ValidationSettings full, ValidationSettings light, StoredTensors stored) {
    this.operators = operators;
    this.full = full;
    this.light = light;
    this.stored = stored;
  }

  @Override
  public boolean checksContent(String operator) {
    // A no-op has no outputs, and a program's output cannot be recomputed: the structural check
    // (Programs.check) has said everything there is to say.
    return !operator.equals("shoal.noop@1") && !Programs.isProgram(operator);
  }

  @Override
  public Verdict validate(TaskDescriptor task, ResultDescriptor result, boolean trusted, RandomGenerator random) {
    OperatorId id = OperatorId.parse(task.getOperator());
    List<Tensor> outputs;
    try {
      outputs = outputs(result);
    } catch (IllegalStateException e) {
      return Verdict.of(List.of(Check.failed("data", e.getMessage())));
    }
    var verdict = Validators.forOperator(id).validate(inputs(task), attributes(task), outputs, trusted ? light : full, random);
    return convert(verdict);
  }

  @Override
  public boolean agree(TaskDescriptor task, ResultDescriptor a, ResultDescriptor b) {
    if (Programs.isProgram(task.getOperator())) {
      return Programs.agree(a, b);
    }
    return Validators.agree(OperatorId.parse(task.getOperator()), inputs(task), attributes(task), outputs(a), outputs(b))
        .matches();
  }

  @Override
  public Verdict recompute(TaskDescriptor task, ResultDescriptor result) {
    if (Programs.isProgram(task.getOperator())) {
      return Verdict.of(List.of(Check.failed("recompute", task.getOperator() + " cannot be recomputed here")));
    }
    Operator op = operators.require(OperatorId.parse(task.getOperator()));
    return convert(Validators.fullRecompute(op, inputs(task), attributes(task), outputs(result)));
  }

  private static Verdict convert(dev.shoal.operators.validation.Verdict v) {
    List<Check> checks = new ArrayList<>(v.checks().size());
    for (var c : v.checks()) {
      checks.add(new Check(c.method(), c.rounds(), c.samples(), c.passed(), c.detail()));
    }
    return new Verdict(v.passed(), checks);
  }

  private List<Tensor> inputs(TaskDescriptor task) {
    return tensors(task.getInputsList());
  }

  private List<Tensor> outputs(ResultDescriptor result) {
    return tensors(result.getOutputsList());
  }

  private List<Tensor> tensors(List<Value> values) {
    List<Tensor> out = new ArrayList<>(values.size());
    for (Value v : values) {
      out.add(v.hasTensorRef() ? stored.read(v.getTensorRef()) : WireTensors.fromWire(v.getTensor()));
    }
    return out;
  }

  private static Attributes attributes(TaskDescriptor task) {
    return WireTensors.fromWire(task.getAttributesMap());
  }
}
