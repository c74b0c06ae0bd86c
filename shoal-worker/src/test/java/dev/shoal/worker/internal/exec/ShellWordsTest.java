package dev.shoal.worker.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** An allowlisted argv splits like a POSIX shell would split it, and nothing is expanded. */
class ShellWordsTest {

  @Test
  void blanksSeparateWords() {
    assertThat(ShellWords.split("tr a-z A-Z")).containsExactly("tr", "a-z", "A-Z");
    assertThat(ShellWords.split("  spaced \t out\n")).containsExactly("spaced", "out");
    assertThat(ShellWords.split("")).isEmpty();
  }

  @Test
  void quotesKeepBlanksAndJoinAdjacentParts() {
    assertThat(ShellWords.split("sh -c 'echo \"$HOME\"; exit 3'")).containsExactly("sh", "-c", "echo \"$HOME\"; exit 3");
    assertThat(ShellWords.split("a\"b c\"'d e'f")).containsExactly("ab cd ef");
    assertThat(ShellWords.split("x '' \"\"")).containsExactly("x", "", "");
  }

  @Test
  void backslashesEscapeOutsideQuotesAndOnlyQuotingCharactersInsideDoubleQuotes() {
    assertThat(ShellWords.split("one\\ word")).containsExactly("one word");
    assertThat(ShellWords.split("\"a \\\" b \\\\ c \\n\"")).containsExactly("a \" b \\ c \\n");
    assertThat(ShellWords.split("'no \\ escapes'")).containsExactly("no \\ escapes");
  }

  @Test
  void nothingIsExpanded() {
    assertThat(ShellWords.split("ls $HOME * ~ {output}")).containsExactly("ls", "$HOME", "*", "~", "{output}");
  }

  @Test
  void unfinishedQuotingIsRefused() {
    assertThatThrownBy(() -> ShellWords.split("echo 'open")).hasMessageContaining("single quote");
    assertThatThrownBy(() -> ShellWords.split("echo \"open")).hasMessageContaining("double quote");
    assertThatThrownBy(() -> ShellWords.split("echo \\")).hasMessageContaining("backslash");
  }
}
