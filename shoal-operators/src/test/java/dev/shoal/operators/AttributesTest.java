package dev.shoal.operators;

import static dev.shoal.operators.TestTensors.badInput;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AttributesTest {

  private final Attributes attributes =
      Attributes.builder().put("axis", -1).put("scale", 0.5).put("mode", "fast").putInts("perm", 2, 0, 1).build();

  @Test
  void readsEachKind() {
    assertThat(attributes.getLong("axis")).isEqualTo(-1);
    assertThat(attributes.getDouble("scale")).isEqualTo(0.5);
    assertThat(attributes.getString("mode")).isEqualTo("fast");
    assertThat(attributes.getInts("perm")).containsExactly(2, 0, 1);
    assertThat(attributes.findLong("axis")).isEqualTo(OptionalLong.of(-1));
    assertThat(attributes.findLong("absent")).isEmpty();
  }

  @Test
  void anIntegerServesWhereANumberIsExpected() {
    assertThat(attributes.getDouble("axis")).isEqualTo(-1.0);
  }

  @Test
  void namesAreSortedAndRawValuesKeepTheirKind() {
    assertThat(attributes.names()).containsExactly("axis", "mode", "perm", "scale");
    assertThat(attributes.has("axis")).isTrue();
    assertThat(attributes.has("absent")).isFalse();
    assertThat(attributes.raw("axis")).isEqualTo(-1L);
    assertThat(attributes.raw("scale")).isEqualTo(0.5);
    assertThat(attributes.raw("mode")).isEqualTo("fast");
    assertThat(attributes.raw("perm")).isEqualTo(new long[] {2, 0, 1});
    assertThat(attributes.raw("absent")).isNull();
  }

  @Test
  void missingAttributesAreBadInputNamingThem() {
    assertThat(badInput(() -> attributes.getLong("absent"))).hasMessage("attribute 'absent' is missing");
    assertThat(badInput(() -> attributes.getDouble("absent"))).hasMessageContaining("'absent'");
    assertThat(badInput(() -> attributes.getString("absent"))).hasMessageContaining("'absent'");
    assertThat(badInput(() -> attributes.getInts("absent"))).hasMessageContaining("'absent'");
  }

  @Test
  void wrongKindsAreBadInputNamingThem() {
    assertThat(badInput(() -> attributes.getLong("scale"))).hasMessage("attribute 'scale' must be an integer, got a number");
    assertThat(badInput(() -> attributes.getLong("perm"))).hasMessage("attribute 'perm' must be an integer, got a list of integers");
    assertThat(badInput(() -> attributes.getInts("axis"))).hasMessage("attribute 'axis' must be a list of integers, got an integer");
    assertThat(badInput(() -> attributes.getString("axis"))).hasMessageContaining("'axis' must be a string");
    assertThat(badInput(() -> attributes.getDouble("mode"))).hasMessage("attribute 'mode' must be a number, got a string");
    assertThat(badInput(() -> attributes.findLong("mode"))).hasMessageContaining("'mode'");
  }

  @Test
  void listsAreCopiedInAndOut() {
    long[] perm = {1, 0};
    Attributes a = Attributes.builder().putInts("perm", perm).build();
    perm[0] = 7;
    a.getInts("perm")[1] = 7;
    ((long[]) a.raw("perm"))[1] = 7;
    assertThat(a.getInts("perm")).containsExactly(1, 0);
  }

  @Test
  void laterPutsReplaceAndBuildersDoNotLeak() {
    Attributes.Builder b = Attributes.builder().put("axis", 1).put("axis", "x");
    Attributes first = b.build();
    b.put("axis", 2);
    assertThat(first.getString("axis")).isEqualTo("x");
    assertThat(b.build().getLong("axis")).isEqualTo(2);
  }

  @Test
  void emptyAndEquality() {
    assertThat(Attributes.empty().names()).isEmpty();
    assertThat(Attributes.builder().build()).isEqualTo(Attributes.empty());
    Attributes a = Attributes.builder().putInts("perm", 1, 0).put("axis", 1).build();
    Attributes b = Attributes.builder().put("axis", 1).putInts("perm", 1, 0).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).hasToString("{axis=1, perm=[1, 0]}");
    assertThat(a).isNotEqualTo(Attributes.builder().put("axis", 1).putInts("perm", 0, 1).build());
    assertThat(Attributes.builder().put("x", 1).build()).isNotEqualTo(Attributes.builder().put("x", 1.0).build());
  }
}
