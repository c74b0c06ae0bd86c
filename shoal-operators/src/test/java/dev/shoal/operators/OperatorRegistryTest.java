package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.badInput;
import static dev.shoal.operators.TestTensors.f32;
import static dev.shoal.operators.TestTensors.failure;
import static dev.shoal.operators.TestTensors.shape;
import static dev.shoal.operators.TestTensors.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorRegistryTest {

  private static final List<String> STANDARD_IDS =
      List.of(
          "shoal.noop@1",
          "tensor.add@1",
          "tensor.div@1",
          "tensor.exp@1",
          "tensor.log@1",
          "tensor.matmul@1",
          "tensor.max@1",
          "tensor.min@1",
          "tensor.mul@1",
          "tensor.reduce_max@1",
          "tensor.reduce_mean@1",
          "tensor.reduce_sum@1",
          "tensor.relu@1",
          "tensor.sigmoid@1",
          "tensor.sub@1",
          "tensor.tanh@1",
          "tensor.transpose@1");

  private final OperatorRegistry registry = OperatorRegistry.standard();

  @Test
  void standardHoldsExactlyOperatorSetV1InSortedOrder() {
    assertThat(registry.ids().stream().map(OperatorId::toString)).containsExactlyElementsOf(STANDARD_IDS);
    assertThat(OperatorRegistry.standard()).isSameAs(registry);
  }

  @Test
  void eachOperatorIsRegisteredUnderItsOwnId() {
    for (OperatorId id : registry.ids()) {
      assertThat(registry.require(id).id()).isEqualTo(id);
      assertThat(registry.find(id)).containsSame(registry.require(id));
    }
  }

  @Test
  void unknownOperatorsAreUnsupported() {
    OperatorId id = OperatorId.parse("tensor.matmul@2");
    assertThat(registry.find(id)).isEmpty();
    assertThat(failure(OperatorException.Kind.UNSUPPORTED, () -> registry.require(id)))
        .hasMessage("tensor.matmul@2: operator is not supported here");
  }

  @Test
  void onlyNoopIsCheap() {
    for (OperatorId id : registry.ids()) {
      assertThat(registry.require(id).isCheap()).as(id.toString()).isEqualTo(id.name().equals("shoal.noop"));
    }
  }

  @Test
  void noopTakesAnythingAndReturnsNothing() {
    Operator noop = registry.require(OperatorId.parse("shoal.noop@1"));
    Attributes anything = Attributes.builder().put("x", "y").build();
    assertThat(noop.apply(List.of(), Attributes.empty())).isEmpty();
    assertThat(noop.apply(List.of(f32(shape(2), 1, 2), TestTensors.i32(shape(), 3)), anything)).isEmpty();
    assertThat(noop.outputSpecs(List.of(spec(DType.FLOAT16, 65_536, 65_536)), anything)).isEmpty();
  }

  @Test
  void everyOperatorButNoopRejectsUnknownAttributesAndWrongArityNamingItself() {
    Attributes stray = Attributes.builder().put("axis", 0).putInts("perm", 0).put("stray", 1).build();
    for (OperatorId id : registry.ids()) {
      if (id.name().equals("shoal.noop")) {
        continue;
      }
      Operator op = registry.require(id);
      assertThat(badInput(() -> op.outputSpecs(List.of(spec(DType.FLOAT32, 1)), stray))).hasMessageStartingWith(id + ": ");
      List<TensorSpec> five = List.of(spec(DType.FLOAT32, 1), spec(DType.FLOAT32, 1), spec(DType.FLOAT32, 1), spec(DType.FLOAT32, 1), spec(DType.FLOAT32, 1));
      assertThat(badInput(() -> op.outputSpecs(five, Attributes.empty()))).hasMessageStartingWith(id + ": takes ");
    }
  }

  @Test
  void outputsLargerThanATensorAreRefused() {
    // Specs need no data, so an impossible size can be asked about; it is refused up front.
    Operator add = registry.require(OperatorId.parse("tensor.add@1"));
    TensorSpec huge = spec(DType.INT32, 65_536, 32_768);
    assertThat(badInput(() -> add.outputSpecs(List.of(huge, huge), Attributes.empty())))
        .hasMessage("tensor.add@1: output [65536, 32768] would have 2147483648 elements; the limit is " + Tensor.MAX_ELEMENTS);
    TensorSpec largest = spec(DType.INT32, Tensor.MAX_ELEMENTS);
    assertThat(add.outputSpecs(List.of(largest, largest), Attributes.empty())).containsExactly(largest);
  }

  @Test
  void customRegistries() {
    Operator add = registry.require(OperatorId.parse("tensor.add@1"));
    Operator noop = registry.require(OperatorId.parse("shoal.noop@1"));
    OperatorRegistry mine = OperatorRegistry.of(add, noop);
    assertThat(mine.ids().stream().map(OperatorId::toString)).containsExactly("shoal.noop@1", "tensor.add@1");
    assertThat(mine.find(OperatorId.parse("tensor.sub@1"))).isEmpty();
    assertThat(OperatorRegistry.of().ids()).isEmpty();
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OperatorRegistry.of(add, noop, add))
        .withMessage("operator tensor.add@1 is registered twice");
  }

  @Test
  void idsCannotBeModified() {
    assertThat(registry.ids()).isUnmodifiable();
  }
}
