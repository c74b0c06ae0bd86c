package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"report.md", "out/a/b.txt", "a..b", ".hidden", "x y/z-1_2.json"})
  void acceptsRelativePathsInsideTheFolder(String name) {
    assertThat(ArtifactNames.problem(name)).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "/etc/passwd", "../escape", "a/../../b", "a/./b", "a//b", "a/", "C:\\x", "c:x", "a\\b", "a\u0000b", "a\nb"
      })
  void refusesEverythingThatCouldLeaveTheFolder(String name) {
    assertThat(ArtifactNames.problem(name)).isNotNull();
  }

  @Test
  void capsLengthAndDepth() {
    assertThat(ArtifactNames.problem("a".repeat(ArtifactNames.MAX_LENGTH + 1))).contains("longer");
    assertThat(ArtifactNames.problem("a/".repeat(ArtifactNames.MAX_DEPTH) + "b")).contains("deeper");
    assertThat(ArtifactNames.problem("a/".repeat(ArtifactNames.MAX_DEPTH - 1) + "b")).isNull();
  }
}
