package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.ArtifactNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SDK repeats the protocol's artifact-name rule so it needs no protocol jar; this keeps the
 * copy and {@link ArtifactNames} in step: same limits, same verdict on every name tried.
 */
class ArtifactNameRuleTest {

  @Test
  void theLimitsAreTheProtocols() {
    assertThat(ArtifactNameRule.MAX_LENGTH).isEqualTo(ArtifactNames.MAX_LENGTH);
    assertThat(ArtifactNameRule.MAX_DEPTH).isEqualTo(ArtifactNames.MAX_DEPTH);
  }

  @Test
  void bothRulesJudgeEveryNameAlike() {
    List<String> names =
        new ArrayList<>(
            List.of(
                "report.md", "out/a/b.txt", "a..b", ".hidden", "x y/z-1_2.json", "", "/etc/passwd", "../escape",
                "a/../../b", "a/./b", "a//b", "a/", "C:\\x", "c:x", "a\\b", "a\u0000b", "a\nb", "a\u007fb", "é/ü.txt",
                "a".repeat(ArtifactNames.MAX_LENGTH), "a".repeat(ArtifactNames.MAX_LENGTH + 1),
                "a/".repeat(ArtifactNames.MAX_DEPTH - 1) + "b", "a/".repeat(ArtifactNames.MAX_DEPTH) + "b"));
    // And many small names built from the characters the rule cares about.
    char[] alphabet = {'a', 'b', '.', '/', '\\', ':', '\u0000', '\n', '\t', ' ', 'é', '\u007f', '-'};
    Random random = new Random(20251201);
    for (int i = 0; i < 50_000; i++) {
      StringBuilder b = new StringBuilder();
      int length = random.nextInt(12);
      for (int j = 0; j < length; j++) {
        b.append(alphabet[random.nextInt(alphabet.length)]);
      }
      names.add(b.toString());
    }

    for (String name : names) {
      assertThat(ArtifactNameRule.problem(name)).as("'%s'", name).isEqualTo(ArtifactNames.problem(name));
    }
    assertThat(names).filteredOn(n -> ArtifactNames.problem(n) == null).hasSizeGreaterThan(1000);
  }
}
