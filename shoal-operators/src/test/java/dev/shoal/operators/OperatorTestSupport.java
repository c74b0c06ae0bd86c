package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small helpers shared by the operator tests: building tensors and running operators. */
final class OperatorTestSupport {

  private OperatorTestSupport() {}

  static Operator op(String id) {
    return OperatorRegistry.standard().require(OperatorId.parse(id));
  }

  /** Runs an operator that must produce exactly one output. */
  static Tensor apply1(Operator operator, Attributes attributes, Tensor... inputs) {
    List<Tensor> out = operator.apply(List.of(inputs), attributes);
    assertThat(out).hasSize(1);
    return out.getFirst();
  }

  static Tensor apply1(Operator operator, Tensor... inputs) {
    return apply1(operator, Attributes.empty(), inputs);
  }

  static Attributes axis(long axis) {
    return Attributes.builder().put("axis", axis).build();
  }

  static Attributes perm(long... perm) {
    return Attributes.builder().putInts("perm", perm).build();
  }

  /** A tensor of any dtype from hand-written values; int32 values must be whole numbers. */
  static Tensor tensor(DType dtype, Shape shape, double... values) {
    return switch (dtype) {
      case FLOAT32 -> Tensor.float32(shape, floats(values));
      case FLOAT16 -> Tensor.float16(shape, floats(values));
      case INT32 -> Tensor.int32(shape, ints(values));
    };
  }

  static Tensor vector(DType dtype, double... values) {
    return tensor(dtype, Shape.of(values.length), values);
  }

  static float[] floats(double... values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  static int[] ints(double... values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      if (values[i] != Math.rint(values[i]) || Math.abs(values[i]) > Integer.MAX_VALUE + 1.0) {
        throw new IllegalArgumentException("not an int32 value: " + values[i] + " in " + Arrays.toString(values));
      }
      out[i] = (int) values[i];
    }
    return out;
  }

  static TensorSpec spec(DType dtype, int... dims) {
    return new TensorSpec(dtype, Shape.of(dims));
  }

  /** Asserts that the call throws an {@link OperatorException} of the given kind. */
  static AbstractThrowableAssert<?, ? extends Throwable> assertOperatorError(
      OperatorException.Kind kind, ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOfSatisfying(OperatorException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }

  static AbstractThrowableAssert<?, ? extends Throwable> assertBadInput(ThrowingCallable call) {
    return assertOperatorError(OperatorException.Kind.BAD_INPUT, call);
  }
}
