package dev.shoal.orchestrator.internal.auth;

import java.util.Set;

/** Who a request comes from once its key was checked: the key's id, name, scopes and rate limit. */
public record Principal(String keyId, String name, Set<Scope> scopes, int rateLimit) {

  public Principal {
    scopes = Set.copyOf(scopes);
  }

  /** Whether this key may use a route that needs {@code needed}. */
  public boolean allows(Scope needed) {
    return Scope.allows(scopes, needed);
  }
}
