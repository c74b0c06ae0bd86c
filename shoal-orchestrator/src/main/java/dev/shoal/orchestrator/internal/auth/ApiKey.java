package dev.shoal.orchestrator.internal.auth;

import java.util.Set;

/**
 * An API key as listed by {@code GET /v1/keys}: never its secret. {@code rateLimit} is requests
 * per second. Times are epoch milliseconds; 0 means never ({@code null} on the wire). {@code
 * principal} is whom the key acts as ("" for an operator's key).
 */
public record ApiKey(
    String id,
    String name,
    Set<Scope> scopes,
    int rateLimit,
    long createdAt,
    long lastUsedAt,
    long revokedAt,
    String principal) {

  public ApiKey {
    scopes = Set.copyOf(scopes);
  }

  public boolean isRevoked() {
    return revokedAt != 0;
  }

  public Principal authenticated() {
    return new Principal(id, name, scopes, rateLimit, principal);
  }
}
