package dev.shoal.worker.internal.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words the way a POSIX shell would, without running one: blanks
 * separate words; single quotes keep everything literally; double quotes keep everything but a
 * backslash before {@code " \ $ `}; a backslash outside quotes keeps the next character. Nothing
 * is expanded ({@code $HOME}, {@code *} and {@code ~} stay as written), so an owner's allowlisted
 * argv means exactly what it says.
 */
public final class ShellWords {

  private ShellWords() {}

  /**
   * The words of {@code line}.
   *
   * @throws IllegalArgumentException if a quote is left open or the line ends in a backslash
   */
  public static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      switch (c) {
        case ' ', '\t', '\n' -> {
          if (inWord) {
            words.add(word.toString());
            word.setLength(0);
            inWord = false;
          }
          i++;
        }
        case '\'' -> {
          int end = line.indexOf('\'', i + 1);
          if (end < 0) {
            throw new IllegalArgumentException("unclosed single quote at character " + (i + 1));
          }
          word.append(line, i + 1, end);
          inWord = true;
          i = end + 1;
        }
        case '"' -> {
          i++;
          while (true) {
            if (i >= line.length()) {
              throw new IllegalArgumentException("unclosed double quote");
            }
            char d = line.charAt(i);
            if (d == '"') {
              i++;
              break;
            }
            if (d == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
              word.append(line.charAt(i + 1));
              i += 2;
            } else {
              word.append(d);
              i++;
            }
          }
          inWord = true;
        }
        case '\\' -> {
          if (i + 1 >= line.length()) {
            throw new IllegalArgumentException("the line ends in a backslash");
          }
          word.append(line.charAt(i + 1));
          inWord = true;
          i += 2;
        }
        default -> {
          word.append(c);
          inWord = true;
          i++;
        }
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
