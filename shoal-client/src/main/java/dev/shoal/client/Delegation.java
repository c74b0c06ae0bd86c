package dev.shoal.client;

import java.util.Set;

/**
 * What {@code principal} granted {@code delegate}: its scopes, when it expires and when it was
 * made and revoked (epoch ms; null for never), and whether it is in force now. A principal has at
 * most one per delegate: a new grant replaces the old.
 */
public record Delegation(
    String principal, String delegate, Set<DelegateScope> scopes, Long expiresAt, long createdAt, Long revokedAt,
    boolean inForce) {

  public Delegation {
    scopes = Set.copyOf(scopes);
  }
}
