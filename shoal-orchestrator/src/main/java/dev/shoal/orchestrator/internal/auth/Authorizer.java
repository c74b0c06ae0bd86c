package dev.shoal.orchestrator.internal.auth;

import java.util.Optional;

/**
 * Applies API.md's access rules to one request: who it is ({@link ApiKeys}), whether it may use
 * the route (its {@link Scope}) and whether it is within its key's rate ({@link RateLimiter}).
 * While no key exists every request is let in; API.md allows that only on loopback or with
 * {@code --allow-unauthenticated-public}, which {@link BindPolicy} enforces at start. Any header
 * is ignored then: OpenAI clients cannot help sending one. Thread-safe.
 */
public final class Authorizer {

  /** The verdict for one request. */
  public sealed interface Decision {

    /** Go ahead; {@code principal} is empty while no key exists (an open orchestrator). */
    record Allowed(Optional<Principal> principal) implements Decision {}

    /**
     * Refuse with this status and API.md error {@code code}; {@code retryAfterSeconds} is set
     * (and goes into {@code Retry-After}) for {@code 429} only.
     */
    record Denied(int status, String code, String message, long retryAfterSeconds) implements Decision {}
  }

  private final ApiKeys keys;
  private final RateLimiter limiter;

  public Authorizer(ApiKeys keys, RateLimiter limiter) {
    this.keys = keys;
    this.limiter = limiter;
  }

  /** Decides one request to a route that needs {@code needed}, given its Authorization header (or null). */
  public Decision authorize(String authorizationHeaderValue, Scope needed) {
    if (!keys.anyKeys()) {
      // OpenAI clients always send some key ("unused", "sk-..."): an open orchestrator ignores it.
      return new Decision.Allowed(Optional.empty());
    }
    return switch (keys.authenticate(authorizationHeaderValue)) {
      case AuthResult.Missing m -> keys.anyKeys()
          ? unauthenticated("this route needs an API key: 'Authorization: Bearer shk_…'")
          : new Decision.Allowed(Optional.empty());
      case AuthResult.Malformed m -> unauthenticated("malformed Authorization header: " + m.reason());
      case AuthResult.Unknown u -> unauthenticated("unknown API key");
      case AuthResult.Revoked r -> unauthenticated("API key " + r.keyId() + " was revoked");
      case AuthResult.Authenticated a -> admit(a.principal(), needed);
    };
  }

  private Decision admit(Principal p, Scope needed) {
    // Counted before the scope check, so a key cannot hammer routes it may not use either.
    RateLimiter.Result rate = limiter.acquire(p.keyId(), p.rateLimit());
    if (!rate.allowed()) {
      return new Decision.Denied(
          429, "rate_limited",
          "API key " + p.keyId() + " is over its rate limit of " + p.rateLimit() + " requests per second",
          rate.retryAfterSeconds());
    }
    if (!p.allows(needed)) {
      return new Decision.Denied(
          403, "permission_denied",
          "API key " + p.keyId() + " lacks the '" + needed.wireName() + "' scope this route needs", 0);
    }
    return new Decision.Allowed(Optional.of(p));
  }

  private static Decision unauthenticated(String message) {
    return new Decision.Denied(401, "unauthenticated", message, 0);
  }
}
