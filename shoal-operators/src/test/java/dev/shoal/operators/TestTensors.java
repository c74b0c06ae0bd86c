package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Short-hand for building tensors and running standard operators in tests. */
final class TestTensors {

  private TestTensors() {}

  static Shape shape(int... dims) {
    return Shape.of(dims);
  }

  static Tensor f32(Shape shape, float... values) {
    return Tensor.float32(shape, values);
  }

  static Tensor f16(Shape shape, float... values) {
    return Tensor.float16(shape, values);
  }

  static Tensor i32(Shape shape, int... values) {
    return Tensor.int32(shape, values);
  }

  static TensorSpec spec(DType dtype, int... dims) {
    return new TensorSpec(dtype, Shape.of(dims));
  }

  static Operator op(String id) {
    return OperatorRegistry.standard().require(OperatorId.parse(id));
  }

  static Tensor apply(String id, Attributes attributes, Tensor... inputs) {
    List<Tensor> out = op(id).apply(List.of(inputs), attributes);
    assertThat(out).hasSize(1);
    // Every output must be exactly what outputSpecs promised for these inputs.
    assertThat(out.getFirst().spec())
        .isEqualTo(op(id).outputSpecs(List.of(inputs).stream().map(Tensor::spec).toList(), attributes).getFirst());
    return out.getFirst();
  }

  static Tensor apply(String id, Tensor... inputs) {
    return apply(id, Attributes.empty(), inputs);
  }

  static Attributes axis(long axis) {
    return Attributes.builder().put("axis", axis).build();
  }

  static Attributes perm(long... perm) {
    return Attributes.builder().putInts("perm", perm).build();
  }

  /** The OperatorException {@code call} throws, checking its kind. */
  static OperatorException failure(OperatorException.Kind kind, ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).isInstanceOf(OperatorException.class);
    OperatorException e = (OperatorException) t;
    assertThat(e.kind()).as("kind of: %s", e.getMessage()).isEqualTo(kind);
    return e;
  }

  static OperatorException badInput(ThrowingCallable call) {
    return failure(OperatorException.Kind.BAD_INPUT, call);
  }
}
