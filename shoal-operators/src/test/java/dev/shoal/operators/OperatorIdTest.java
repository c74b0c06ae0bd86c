package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorIdTest {

  @Test
  void parsesNameAndVersion() {
    OperatorId id = OperatorId.parse("tensor.matmul@1");
    assertThat(id.name()).isEqualTo("tensor.matmul");
    assertThat(id.version()).isEqualTo(1);
    assertThat(id).isEqualTo(new OperatorId("tensor.matmul", 1)).hasToString("tensor.matmul@1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a@1", "shoal.noop@999", "tensor.reduce_sum@12", "a_1.b2_.c@7"})
  void wellFormedIdsRoundTrip(String text) {
    assertThat(OperatorId.parse(text)).hasToString(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "tensor.matmul", "@1", "tensor.matmul@", "tensor.matmul@0", "tensor.matmul@1000", "tensor.matmul@01",
        "tensor.matmul@-1", "tensor.matmul@+1", "tensor.matmul@1.0", "tensor.matmul@ 1", "tensor.matmul@١",
        "Tensor.matmul@1", "tensor..matmul@1", ".tensor@1", "tensor.@1", "1tensor@1", "tensor.1x@1", "tensor-matmul@1",
        "tensor matmul@1", "_a@1", "a@b@1", "tensor.matmul@1@1"
      })
  void malformedIdsAreRejected(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> OperatorId.parse(text)).withMessageContaining("operator");
  }

  @Test
  void namesAreAtMost64Characters() {
    assertThat(OperatorId.parse("x".repeat(64) + "@1").name()).hasSize(64);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OperatorId.parse("x".repeat(65) + "@1"))
        .withMessageContaining("at most 64 characters");
  }

  @Test
  void messagesSayWhatIsWrong() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OperatorId.parse("tensor.matmul"))
        .withMessage("operator id 'tensor.matmul' is not name@version, e.g. tensor.matmul@1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OperatorId.parse("tensor.matmul@0"))
        .withMessageContaining("version '0'")
        .withMessageContaining("1..999");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OperatorId.parse("Tensor.matmul@1"))
        .withMessageContaining("operator name 'Tensor.matmul'");
  }

  @Test
  void constructorChecksToo() {
    assertThatIllegalArgumentException().isThrownBy(() -> new OperatorId("tensor.add", 0));
    assertThatIllegalArgumentException().isThrownBy(() -> new OperatorId("tensor add", 1));
  }

  @Test
  void ordersByNameThenVersion() {
    List<OperatorId> ids =
        List.of(OperatorId.parse("b@1"), OperatorId.parse("a@10"), OperatorId.parse("a@2"), OperatorId.parse("a.b@1"));
    assertThat(ids.stream().sorted().map(OperatorId::toString)).containsExactly("a@2", "a@10", "a.b@1", "b@1");
  }
}
