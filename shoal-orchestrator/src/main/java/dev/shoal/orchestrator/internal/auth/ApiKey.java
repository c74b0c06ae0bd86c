package dev.shoal.orchestrator.internal.auth;

import java.util.Set;

/**
 * An API key as listed by {@code GET /v1/keys}: never its secret. {@code rateLimit} is requests
 * per second. Times are epoch milliseconds; 0 means never ({@code null} on the wire).
 */
public record ApiKey(
    String id, String name, Set<Scope> scopes, int rateLimit, long createdAt, long lastUsedAt, long revokedAt) {

  public ApiKey {
    scopes = Set.copyOf(scopes);
  }

  public boolean isRevoked() {
    return revokedAt != 0;
  }

  public Principal principal() {
    return new Principal(id, name, scopes, rateLimit);
  }
}
