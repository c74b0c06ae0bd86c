package dev.shoal.operators.validation;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Comparison;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Entry points: the validator of each standard operator, full recomputation for results worth
 * recomputing (or operators without a validator), and agreement between two workers' results
 * for quorum voting, in memory or, reading samples only, held by reference. Thread-safe.
 */
public final class Validators {

  private static final Map<OperatorId, OperatorValidator> BY_ID = byId();

  private Validators() {}

  private static Map<OperatorId, OperatorValidator> byId() {
    List<OperatorValidator> all = new ArrayList<>(List.of(new NoopValidator(), new MatmulValidator(), new TransposeValidator()));
    Stream.of(ElementwiseBinaryValidator.Op.values()).map(ElementwiseBinaryValidator::new).forEach(all::add);
    Stream.of(ElementwiseUnaryValidator.Op.values()).map(ElementwiseUnaryValidator::new).forEach(all::add);
    Stream.of(ReduceValidator.Op.values()).map(ReduceValidator::new).forEach(all::add);
    TreeMap<OperatorId, OperatorValidator> m = new TreeMap<>();
    for (OperatorValidator v : all) {
      m.put(v.operator().id(), v);
    }
    return Collections.unmodifiableMap(m);
  }

  /** The ids that have a validator: every operator of {@link OperatorRegistry#standard()}. */
  public static Set<OperatorId> operators() {
    return BY_ID.keySet();
  }

  /**
   * The validator of a standard operator, one shared stateless instance per id; any other id is an
   * OperatorException of kind UNSUPPORTED.
   */
  public static Validator forOperator(OperatorId id) {
    return require(id);
  }

  /**
   * Recomputes the whole result locally and compares, after the structure check: the certain
   * check, at the cost of running the operator. The local result is the operator's own
   * arithmetic, the reference; the worker's must lie within the dtype tolerance (plus one rounding
   * either way) of it. Inputs on which the operator fails (e.g. int32 division by zero) have no
   * right result, so any result fails.
   *
   * @throws OperatorException BAD_INPUT if the inputs or attributes do not fit the operator; or
   *     EXECUTION if the computing thread was interrupted
   */
  public static Verdict fullRecompute(Operator operator, List<Tensor> inputs, Attributes attributes, List<Tensor> outputs) {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(outputs, "outputs");
    Check structure = Structure.check(operator, inputs, attributes, Structure.specs(outputs));
    if (!structure.passed()) {
      return Verdict.of(List.of(structure));
    }
    List<Tensor> local;
    try {
      local = operator.apply(inputs, attributes);
    } catch (OperatorException e) {
      if (e.kind() != OperatorException.Kind.EXECUTION || Thread.currentThread().isInterrupted()) {
        throw e;
      }
      return Verdict.of(List.of(structure, Check.fail(Check.FULL_RECOMPUTE, 0, 0,
          "the operator fails on these inputs, so no result is right: " + e.getMessage())));
    }
    // The local result is the operator's own arithmetic, the reference every result is held to.
    List<TensorSpec> specs = local.stream().map(Tensor::spec).toList();
    Comparison c = Agreement.compare(specs, Spread.NONE, local, outputs);
    int elements = (int) Math.min(Integer.MAX_VALUE, outputs.stream().mapToLong(Tensor::elementCount).sum());
    Check check = c.matches()
        ? Check.pass(Check.FULL_RECOMPUTE, 0, elements, "all " + elements + " elements agree with a local recomputation")
        : Check.fail(Check.FULL_RECOMPUTE, 0, elements, "against a local recomputation: " + c.reason());
    return Verdict.of(List.of(structure, check));
  }

  /**
   * Whether two workers' results for the same task agree, for quorum voting: each must have the
   * promised structure; int32 elements must be equal; float elements must lie within the dtype
   * tolerance plus what honest implementations may differ by (the accumulation allowance of
   * matmul and reduce_sum/mean, and one rounding each), so two honest results always agree. Where
   * the inputs allow an honest result to overflow, a non-finite element agrees with anything.
   *
   * @throws OperatorException UNSUPPORTED for an operator without a validator, BAD_INPUT if the
   *     inputs or attributes do not fit it
   */
  public static Comparison agree(OperatorId id, List<Tensor> inputs, Attributes attributes, List<Tensor> a, List<Tensor> b) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    OperatorValidator v = require(id);
    List<TensorSpec> expected = v.operator().outputSpecs(inputs.stream().map(Tensor::spec).toList(), attributes);
    if (Structure.problem(expected, Structure.specs(a)) != null || Structure.problem(expected, Structure.specs(b)) != null) {
      return Agreement.compare(expected, Spread.NONE, a, b);
    }
    return Agreement.compare(expected, v.spread(inputs, attributes), a, b);
  }

  /**
   * {@link #agree} for results held by reference, reading only samples of them: each must claim
   * the promised specs; a pair of outputs with the same non-null {@link OutputElements#contentId()}
   * agrees without a read; any other pair is read at the same {@code settings.samples()}
   * positions, drawn from {@code random}, and held to the bounds {@link #agree} uses, so two
   * honest results always agree. Results that differ in a fraction {@code f} of an output's
   * elements are told apart with probability at least {@code 1-(1-f)^samples}. The comparison's
   * mismatches count sampled elements, its index is a flat position in the output.
   *
   * <p>What the sources throw when they are read propagates unchanged.
   *
   * @throws OperatorException UNSUPPORTED for an operator without a validator, BAD_INPUT if the
   *     inputs or attributes do not fit it
   */
  public static Comparison agreeSampled(
      OperatorId id, List<Tensor> inputs, Attributes attributes, List<? extends OutputElements> a,
      List<? extends OutputElements> b, ValidationSettings settings, RandomGenerator random) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(random, "random");
    OperatorValidator v = require(id);
    List<TensorSpec> expected = v.operator().outputSpecs(inputs.stream().map(Tensor::spec).toList(), attributes);
    boolean fit = Structure.problem(expected, Structure.claimedSpecs(a)) == null
        && Structure.problem(expected, Structure.claimedSpecs(b)) == null;
    Spread spread = fit ? v.spread(inputs, attributes) : Spread.NONE;
    return Agreement.compareSampled(expected, spread, a, b, settings.samples(), random);
  }

  private static OperatorValidator require(OperatorId id) {
    OperatorValidator v = BY_ID.get(Objects.requireNonNull(id, "id"));
    if (v == null) {
      throw new OperatorException(OperatorException.Kind.UNSUPPORTED, id + ": no validator for this operator");
    }
    return v;
  }
}
