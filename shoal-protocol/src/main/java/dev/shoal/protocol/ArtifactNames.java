package dev.shoal.protocol;

/**
 * The rule for artifact names: a file's path inside an attempt's output folder. Checked where a
 * name is made (the worker), where it arrives (the orchestrator) and where it is written to disk
 * (the SDK), so a hostile worker can never make anyone write outside the folder they chose.
 */
public final class ArtifactNames {

  /** Longest name, in characters. */
  public static final int MAX_LENGTH = 512;

  /** Deepest folder nesting. */
  public static final int MAX_DEPTH = 16;

  private ArtifactNames() {}

  /**
   * Null when {@code name} is acceptable: relative, "/"-separated, each segment non-empty and
   * neither "." nor "..", no backslash, colon or control character, at most {@link #MAX_LENGTH}
   * characters and {@link #MAX_DEPTH} segments. Otherwise a phrase saying what is wrong.
   */
  public static String problem(String name) {
    if (name.isEmpty()) {
      return "is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "is longer than " + MAX_LENGTH + " characters";
    }
    if (name.startsWith("/")) {
      return "is an absolute path";
    }
    int segments = 0;
    for (String segment : name.split("/", -1)) {
      segments++;
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "has an empty, '.' or '..' segment";
      }
    }
    if (segments > MAX_DEPTH) {
      return "is nested deeper than " + MAX_DEPTH + " folders";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
        return "has a control character, backslash or colon";
      }
    }
    return null;
  }

  public static boolean isValid(String name) {
    return problem(name) == null;
  }
}
