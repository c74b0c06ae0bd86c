package dev.shoal.orchestrator.internal.auth;

import java.util.Set;

/**
 * Who a request comes from once its key was checked: the key's id, name, scopes and rate limit,
 * and the client or fleet owner it acts as ({@code principalId}; "" for an operator's key).
 */
public record Principal(String keyId, String name, Set<Scope> scopes, int rateLimit, String principalId) {

  public Principal {
    scopes = Set.copyOf(scopes);
    principalId = principalId == null ? "" : principalId;
  }

  /** An operator's key: bound to no principal. */
  public Principal(String keyId, String name, Set<Scope> scopes, int rateLimit) {
    this(keyId, name, scopes, rateLimit, "");
  }

  /** Whether this key may use a route that needs {@code needed}. */
  public boolean allows(Scope needed) {
    return Scope.allows(scopes, needed);
  }
}
