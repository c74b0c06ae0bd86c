package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The shape every validator here shares: structure first, then the operator's checks in order,
 * stopping at the first failure (a wrong result needs no further work, and its verdict ends with
 * the check that caught it). The checks are written once, against the {@link Claim}: an output in
 * memory offers every element, one held by reference only the sample it is read at.
 */
abstract class OperatorValidator implements Validator {

  /**
   * What one validation run sees; the outputs have passed the structure check. Every standard
   * operator has at most one output, so a claim holds the first: in memory ({@link #isHeld()}) or
   * by reference. Confined to the validating thread.
   */
  static final class Claim {
    private final List<Tensor> inputs;
    private final Attributes attributes;
    private final TensorSpec spec;
    private final Tensor held;
    private final OutputElements referenced;
    private final ValidationSettings settings;
    private final RandomGenerator random;
    private final int samples;
    private Elements sample;

    private Claim(
        List<Tensor> inputs, Attributes attributes, TensorSpec spec, Tensor held, OutputElements referenced,
        ValidationSettings settings, RandomGenerator random, int samples) {
      this.inputs = inputs;
      this.attributes = attributes;
      this.spec = spec;
      this.held = held;
      this.referenced = referenced;
      this.settings = settings;
      this.random = random;
      this.samples = samples;
    }

    Tensor input(int i) {
      return inputs.get(i);
    }

    Attributes attributes() {
      return attributes;
    }

    ValidationSettings settings() {
      return settings;
    }

    RandomGenerator random() {
      return random;
    }

    /** The output's dtype and shape, as the operator promises (the structure check saw to it). */
    TensorSpec output() {
      return spec;
    }

    int outputCount() {
      return (int) spec.shape().elementCount();
    }

    /** Whether the output is in memory, so checks that need every element of it can run. */
    boolean isHeld() {
      return held != null;
    }

    /** The output in memory; only when {@link #isHeld()}. */
    Tensor heldOutput() {
      if (held == null) {
        throw new IllegalStateException("the output is held by reference");
      }
      return held;
    }

    /**
     * The sampled output elements, drawn with {@link Sampling#positions} at the first call and the
     * same at every later one, so a result held by reference is read once however many checks
     * look at its sample.
     */
    Elements sample() {
      if (sample == null) {
        int[] positions = Sampling.positions(outputCount(), samples, random);
        sample = held != null ? Elements.at(held, positions) : Elements.read(referenced, positions);
      }
      return sample;
    }

    /**
     * What invariants are checked on: every element of an output in memory, the sample of one
     * held by reference (reading all of it would cost what referencing it saves).
     */
    Elements invariantScope() {
      return held != null ? Elements.all(held) : sample();
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
    Objects.requireNonNull(outputs, "outputs");
    requireArguments(inputs, attributes, settings, random);
    Check structure = Structure.check(operator, inputs, attributes, Structure.specs(outputs));
    if (!structure.passed()) {
      return Verdict.of(List.of(structure));
    }
    Tensor held = outputs.isEmpty() ? null : outputs.getFirst();
    return run(structure, new Claim(
        List.copyOf(inputs), attributes, held == null ? null : held.spec(), held, null, settings, random, settings.samples()));
  }

  @Override
  public final Verdict validateSampled(
      List<Tensor> inputs, Attributes attributes, List<? extends OutputElements> outputs, ValidationSettings settings,
      RandomGenerator random) {
    Objects.requireNonNull(outputs, "outputs");
    requireArguments(inputs, attributes, settings, random);
    Check structure = Structure.check(operator, inputs, attributes, Structure.claimedSpecs(outputs));
    if (!structure.passed()) {
      return Verdict.of(List.of(structure));
    }
    OutputElements referenced = outputs.isEmpty() ? null : outputs.getFirst();
    return run(structure, new Claim(
        List.copyOf(inputs), attributes, referenced == null ? null : referenced.spec(), null, referenced, settings, random,
        samplesByReference(settings)));
  }

  private static void requireArguments(List<Tensor> inputs, Attributes attributes, ValidationSettings settings, RandomGenerator random) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(random, "random");
  }

  private Verdict run(Check structure, Claim claim) {
    List<Check> done = new ArrayList<>();
    done.add(structure);
    for (Function<Claim, Check> step : checks(claim)) {
      Check c = step.apply(claim);
      done.add(c);
      if (!c.passed()) {
        break;
      }
    }
    return Verdict.of(done);
  }

  /** The checks after structure, in the order they run. */
  abstract List<Function<Claim, Check>> checks(Claim claim);

  /** How many output elements to sample when the output is held by reference. */
  int samplesByReference(ValidationSettings settings) {
    return settings.samples();
  }

  /** How far honest results may spread, for comparing two results; inputs fit the operator. */
  Spread spread(List<Tensor> inputs, Attributes attributes) {
    return Spread.NONE;
  }

  @Override
  public String toString() {
    return "Validator[" + operator.id() + "]";
  }
}
