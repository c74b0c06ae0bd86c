package dev.shoal.orchestrator.internal.auth;

/** What an {@code Authorization} header proved. Only {@link Authenticated} names a principal. */
public sealed interface AuthResult {

  /** A known, unrevoked key whose secret matched. */
  record Authenticated(Principal principal) implements AuthResult {}

  /** No {@code Authorization} header (or an empty one). */
  record Missing() implements AuthResult {}

  /** A header that is not {@code Bearer shk_<id>_<secret>}; {@code reason} never echoes it. */
  record Malformed(String reason) implements AuthResult {}

  /** Well-formed, but no key has this id and secret. */
  record Unknown() implements AuthResult {}

  /** The right secret for a key that was revoked. */
  record Revoked(String keyId) implements AuthResult {}
}
