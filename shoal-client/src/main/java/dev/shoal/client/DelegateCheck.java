package dev.shoal.client;

import java.util.Set;

/**
 * Whether {@code delegate} may act for {@code principal} now, and for what: the scopes in force
 * and their expiry (epoch ms, null for none). Not a delegate: no scopes, no expiry.
 */
public record DelegateCheck(String principal, String delegate, boolean isDelegate, Set<DelegateScope> scopes, Long expiresAt) {

  public DelegateCheck {
    scopes = Set.copyOf(scopes);
  }

  /** Whether it is a delegate now with {@code scope}. */
  public boolean allows(DelegateScope scope) {
    return isDelegate && scopes.contains(scope);
  }
}
