package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.axis;
import static dev.shoal.operators.validation.Fixtures.perm;
import static dev.shoal.operators.validation.Fixtures.uniform;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whatever a worker sends back, a validator answers with a verdict, never an exception. */
class HostileOutputsTest {

  private record Task(OperatorId id, DType dtype, List<Tensor> inputs, Attributes attributes) {
    Tensor honest() {
      return Fixtures.honest(id.toString(), attributes, inputs.toArray(Tensor[]::new));
    }

    Verdict validate(List<Tensor> outputs) {
      return Validators.forOperator(id).validate(inputs, attributes, outputs, ValidationSettings.DEFAULT, new SplittableRandom(1));
    }

    @Override
    public String toString() {
      return id + " " + dtype.wireName();
    }
  }

  /** A small task for every operator and dtype it takes, with finite inputs in [0.5, 2). */
  static Stream<Arguments> tasks() {
    List<Arguments> out = new ArrayList<>();
    for (OperatorId id : Validators.operators()) {
      for (DType dtype : DType.values()) {
        String name = id.name();
        boolean floatOnly = List.of("tensor.tanh", "tensor.sigmoid", "tensor.exp", "tensor.log", "tensor.reduce_mean").contains(name);
        if (name.equals("shoal.noop") || (floatOnly && dtype == DType.INT32)) {
          continue;
        }
        SplittableRandom rnd = new SplittableRandom(7);
        Shape shape = Shape.of(3, 4);
        List<Tensor> inputs = new ArrayList<>();
        Attributes attrs = Attributes.empty();
        switch (name) {
          case "tensor.matmul" -> {
            inputs.add(uniform(dtype, Shape.of(3, 5), 0.5, 2, rnd));
            inputs.add(uniform(dtype, Shape.of(5, 4), 0.5, 2, rnd));
          }
          case "tensor.transpose" -> {
            inputs.add(uniform(dtype, Shape.of(4, 3), 0.5, 2, rnd));
            attrs = perm(1, 0);
          }
          case "tensor.reduce_sum", "tensor.reduce_mean", "tensor.reduce_max" -> {
            inputs.add(uniform(dtype, Shape.of(3, 7, 4), 0.5, 2, rnd));
            attrs = axis(1);
          }
          case "tensor.relu", "tensor.tanh", "tensor.sigmoid", "tensor.exp", "tensor.log" -> inputs.add(uniform(dtype, shape, 0.5, 2, rnd));
          default -> {
            inputs.add(uniform(dtype, shape, 0.5, 2, rnd));
            inputs.add(uniform(dtype, shape, 1, 3, rnd)); // no zero divisor
          }
        }
        out.add(Arguments.of(new Task(id, dtype, inputs, attrs)));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void theHonestResultPassesAndEveryForgeryFails(Task task) {
    Tensor c = task.honest();
    assertThat(task.validate(List.of(c))).passes();

    // Structure: count, dtype, shape, a missing tensor.
    assertThat(task.validate(List.of())).failsAt(Check.STRUCTURE).detailContains("expected 1 output");
    assertThat(task.validate(List.of(c, c))).failsAt(Check.STRUCTURE).detailContains("got 2");
    DType other = task.dtype() == DType.INT32 ? DType.FLOAT32 : DType.INT32;
    assertThat(task.validate(List.of(Tensor.zeros(other, c.shape())))).failsAt(Check.STRUCTURE).detailContains("output 0 is " + other.wireName());
    int[] dims = c.shape().dims();
    dims[0]++;
    assertThat(task.validate(List.of(Tensor.zeros(task.dtype(), Shape.of(dims))))).failsAt(Check.STRUCTURE);
    assertThat(task.validate(List.of(Tensor.zeros(task.dtype(), Shape.of((int) c.elementCount()))))).failsAt(Check.STRUCTURE);
    assertThat(task.validate(Arrays.asList((Tensor) null))).failsAt(Check.STRUCTURE).detailContains("null");

    // Data: NaN, infinities and extreme values everywhere.
    if (task.dtype().isFloating()) {
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 0}) {
        assertThat(task.validate(List.of(Fixtures.mapFloats(c, x -> bad)))).as("all %s", bad).fails();
      }
    } else {
      for (int bad : new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0}) {
        assertThat(task.validate(List.of(Fixtures.mapInts(c, x -> bad)))).as("all %s", bad).fails();
      }
    }
  }

  @Test
  void noopAcceptsOnlyNoOutputs() {
    Validator noop = Validators.forOperator(OperatorId.parse("shoal.noop@1"));
    List<Tensor> inputs = List.of(Tensor.float32(Shape.of(1), new float[] {1}));
    assertThat(noop.validate(inputs, Attributes.empty(), List.of(), ValidationSettings.LIGHT, new SplittableRandom(1))).passes();
    assertThat(noop.validate(inputs, Attributes.empty(), inputs, ValidationSettings.LIGHT, new SplittableRandom(1)))
        .failsAt(Check.STRUCTURE).detailContains("expected 0 outputs");
  }

  /** Inputs that do not fit the operator are the task's fault, not the worker's: no verdict. */
  @Test
  void inputsThatDoNotFitTheOperatorAreRefused() {
    Tensor a = Tensor.float32(Shape.of(2, 3), new float[6]);
    Validator matmul = Validators.forOperator(OperatorId.parse("tensor.matmul@1"));
    assertThatThrownBy(() -> matmul.validate(List.of(a, a), Attributes.empty(), List.of(a), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .isInstanceOfSatisfying(OperatorException.class, e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.BAD_INPUT));
    Validator sum = Validators.forOperator(OperatorId.parse("tensor.reduce_sum@1"));
    assertThatThrownBy(() -> sum.validate(List.of(a), axis(5), List.of(a), ValidationSettings.DEFAULT, new SplittableRandom(1)))
        .isInstanceOf(OperatorException.class);
  }

  @Test
  void theSameGeneratorStateGivesTheSameVerdict() {
    Tensor x = uniform(DType.FLOAT32, Shape.of(1000), 0.5, 2, new SplittableRandom(1));
    Tensor c = Fixtures.honest("tensor.exp@1", x);
    float[] v = c.toFloatArray();
    for (int i = 0; i < v.length; i += 20) {
      v[i] *= 2;
    }
    Tensor forged = Tensor.float32(c.shape(), v);
    int passed = 0;
    for (long seed = 0; seed < 40; seed++) {
      Verdict first = Fixtures.validate("tensor.exp@1", Attributes.empty(), List.of(x), forged, ValidationSettings.LIGHT, seed);
      Verdict again = Fixtures.validate("tensor.exp@1", Attributes.empty(), List.of(x), forged, ValidationSettings.LIGHT, seed);
      assertThat(again).isEqualTo(first);
      passed += first.passed() ? 1 : 0;
    }
    // Which seeds catch it does depend on the seed: 1 - (19/20)^8 ≈ 1/3 pass.
    assertThat(passed).isBetween(1, 39);
  }
}
