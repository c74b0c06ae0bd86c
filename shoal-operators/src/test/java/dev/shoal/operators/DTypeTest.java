package dev.shoal.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DTypeTest {

  @Test
  void wireNamesSizesAndKinds() {
    assertThat(DType.FLOAT32.wireName()).isEqualTo("float32");
    assertThat(DType.FLOAT16.wireName()).isEqualTo("float16");
    assertThat(DType.INT32.wireName()).isEqualTo("int32");
    assertThat(DType.FLOAT32.byteSize()).isEqualTo(4);
    assertThat(DType.FLOAT16.byteSize()).isEqualTo(2);
    assertThat(DType.INT32.byteSize()).isEqualTo(4);
    assertThat(DType.FLOAT32.isFloating()).isTrue();
    assertThat(DType.FLOAT16.isFloating()).isTrue();
    assertThat(DType.INT32.isFloating()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void wireNameRoundTrips(DType dtype) {
    assertThat(DType.fromWireName(dtype.wireName())).isSameAs(dtype);
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT32", "float64", "float", "", " int32"})
  void unknownWireNamesListTheAllowedOnes(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DType.fromWireName(name))
        .withMessageContaining("'" + name + "'")
        .withMessageContaining("[float32, float16, int32]");
  }

  @Test
  void nullWireNameIsRejected() {
    assertThatIllegalArgumentException().isThrownBy(() -> DType.fromWireName(null));
  }
}
