package dev.shoal.orchestrator.internal.acceptance;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.validation.OutputElements;
import dev.shoal.operators.validation.ValidationSettings;
import dev.shoal.operators.validation.Validator;
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
 *
 * <p>A result with an output held by reference (a tensor_ref into the data service) is validated
 * and compared from sampled elements only ({@link Validator#validateSampled},
 * {@link Validators#agreeSampled}), so checking it reads a few hundred bytes of the output, not
 * all of it; only recomputation reads outputs whole. An output that cannot be read (never
 * uploaded, not the size claimed) fails validation with a {@code data} check. Inputs held by
 * reference are read whole: they are the orchestrator's own data.
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
    Validator validator = Validators.forOperator(OperatorId.parse(task.getOperator()));
    ValidationSettings settings = trusted ? light : full;
    // An unreadable input is the task's fault, not the worker's: it propagates.
    List<Tensor> inputs = inputs(task);
    try {
      var verdict = byReference(result)
          ? validator.validateSampled(inputs, attributes(task), outputElements(result), settings, random)
          : validator.validate(inputs, attributes(task), outputs(result), settings, random);
      return convert(verdict);
    } catch (StoredTensors.Unreadable e) {
      return Verdict.of(List.of(Check.failed("data", e.getMessage())));
    }
  }

  /** A result whose output cannot be read agrees with nothing. */
  @Override
  public boolean agree(TaskDescriptor task, ResultDescriptor a, ResultDescriptor b, RandomGenerator random) {
    if (Programs.isProgram(task.getOperator())) {
      return Programs.agree(a, b);
    }
    OperatorId id = OperatorId.parse(task.getOperator());
    List<Tensor> inputs = inputs(task);
    try {
      if (byReference(a) || byReference(b)) {
        return Validators.agreeSampled(id, inputs, attributes(task), outputElements(a), outputElements(b), full, random).matches();
      }
      return Validators.agree(id, inputs, attributes(task), outputs(a), outputs(b)).matches();
    } catch (StoredTensors.Unreadable e) {
      return false;
    }
  }

  @Override
  public Verdict recompute(TaskDescriptor task, ResultDescriptor result) {
    if (Programs.isProgram(task.getOperator())) {
      return Verdict.of(List.of(Check.failed("recompute", task.getOperator() + " cannot be recomputed here")));
    }
    Operator op = operators.require(OperatorId.parse(task.getOperator()));
    List<Tensor> inputs = inputs(task);
    List<Tensor> outputs;
    try {
      outputs = outputs(result);
    } catch (StoredTensors.Unreadable e) {
      return Verdict.of(List.of(Check.failed("data", e.getMessage())));
    }
    return convert(Validators.fullRecompute(op, inputs, attributes(task), outputs));
  }

  private static Verdict convert(dev.shoal.operators.validation.Verdict v) {
    List<Check> checks = new ArrayList<>(v.checks().size());
    for (var c : v.checks()) {
      checks.add(new Check(c.method(), c.rounds(), c.samples(), c.passed(), c.detail()));
    }
    return new Verdict(v.passed(), checks);
  }

  private static boolean byReference(ResultDescriptor result) {
    return result.getOutputsList().stream().anyMatch(Value::hasTensorRef);
  }

  private List<Tensor> inputs(TaskDescriptor task) {
    List<Tensor> out = new ArrayList<>(task.getInputsCount());
    for (Value v : task.getInputsList()) {
      out.add(v.hasTensorRef() ? stored.input(v.getTensorRef()) : WireTensors.fromWire(v.getTensor()));
    }
    return out;
  }

  /** The outputs, read whole: for recomputation, and for results carried inline. */
  private List<Tensor> outputs(ResultDescriptor result) {
    List<Tensor> out = new ArrayList<>(result.getOutputsCount());
    for (Value v : result.getOutputsList()) {
      out.add(v.hasTensorRef() ? stored.output(v.getTensorRef()) : WireTensors.fromWire(v.getTensor()));
    }
    return out;
  }

  /** The outputs as element sources: those held by reference read only where sampled, inline ones from memory. */
  private List<OutputElements> outputElements(ResultDescriptor result) {
    List<OutputElements> out = new ArrayList<>(result.getOutputsCount());
    for (Value v : result.getOutputsList()) {
      out.add(v.hasTensorRef() ? stored.outputElements(v.getTensorRef()) : OutputElements.of(WireTensors.fromWire(v.getTensor())));
    }
    return out;
  }

  private static Attributes attributes(TaskDescriptor task) {
    return WireTensors.fromWire(task.getAttributesMap());
  }
}
