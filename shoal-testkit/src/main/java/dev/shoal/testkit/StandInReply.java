package dev.shoal.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * The stand-in LLM server's deterministic answer, so tests can assert exact text and counts.
 *
 * <p>The rule: the answer is {@code "You said: "} followed by the words of the last user message
 * (chat) or of the prompt (completion), joined by single spaces. A <b>token</b> is a
 * whitespace-separated word: {@code prompt_tokens} counts the words of every message's content
 * (or of the prompt), {@code completion_tokens} the words of the answer. {@code max_tokens}
 * keeps only that many words of the answer, and the finish reason becomes {@code "length"}
 * instead of {@code "stop"}.
 *
 * @param text the whole answer
 * @param pieces the answer split for streaming; their concatenation is {@code text}
 * @param finishReason {@code "stop"} or {@code "length"}
 * @param promptTokens words in the request's prompt or messages
 * @param completionTokens words in {@code text}
 */
public record StandInReply(String text, List<String> pieces, String finishReason, int promptTokens, int completionTokens) {

  /** The prefix of every answer. */
  public static final String PREFIX = "You said:";

  /**
   * The answer to {@code lastUserText}.
   *
   * @param promptText all the text whose words count as prompt tokens
   * @param maxTokens words to keep, or a negative number for no limit
   * @param chunks how many pieces to split the answer into for streaming (fewer if it has fewer words)
   */
  public static StandInReply of(String lastUserText, String promptText, int maxTokens, int chunks) {
    List<String> words = new ArrayList<>();
    words.add("You");
    words.add("said:");
    words.addAll(words(lastUserText));
    String finish = "stop";
    if (maxTokens >= 0 && words.size() > maxTokens) {
      words = words.subList(0, maxTokens);
      finish = "length";
    }
    return new StandInReply(String.join(" ", words), split(words, chunks), finish, words(promptText).size(), words.size());
  }

  public int totalTokens() {
    return promptTokens + completionTokens;
  }

  /** Whitespace-separated words; the token rule. */
  public static List<String> words(String text) {
    String t = text.strip();
    return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
  }

  /** Groups the words into at most {@code chunks} pieces of near-equal word counts. */
  private static List<String> split(List<String> words, int chunks) {
    int n = Math.max(1, Math.min(chunks, words.size()));
    List<String> pieces = new ArrayList<>(n);
    int from = 0;
    for (int i = 0; i < n; i++) {
      int to = (int) ((long) words.size() * (i + 1) / n);
      StringBuilder b = new StringBuilder();
      for (int w = from; w < to; w++) {
        if (w > 0) {
          b.append(' ');
        }
        b.append(words.get(w));
      }
      pieces.add(b.toString());
      from = to;
    }
    return pieces;
  }
}
