package dev.shoal.client.internal;

/**
 * The protocol's rule for artifact names ({@code dev.shoal.protocol.ArtifactNames}, PROTOCOL.md
 * "Artifacts"), repeated here so the SDK needs no protocol jar: relative, "/"-separated, each
 * segment non-empty and neither "." nor "..", no backslash, colon or control character, at most
 * 512 characters and 16 segments. A test keeps the two in step.
 */
public final class ArtifactNameRule {

  public static final int MAX_LENGTH = 512;
  public static final int MAX_DEPTH = 16;

  private ArtifactNameRule() {}

  /** Null when {@code name} is acceptable, else what is wrong with it. */
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
}
