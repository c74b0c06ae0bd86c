package dev.shoal.orchestrator.internal.store;

import java.util.List;

/**
 * {@code principal} authorised {@code delegate} to act for it within {@code scopes} (wire names:
 * {@code publish}, {@code cancel}, {@code confirm}, {@code register}, {@code assign}) until
 * {@code expiresAt} (0: no expiry), or until {@code revokedAt} (0: not revoked). A new grant to
 * the same delegate replaces the old one. {@code actor} is the API key that made the change.
 */
public record DelegationRecord(
    String principal, String delegate, List<String> scopes, long expiresAt, long createdAt, long revokedAt, String actor) {

  public DelegationRecord {
    scopes = List.copyOf(scopes);
  }

  /** Whether it is in force at {@code now}. */
  public boolean inForce(long now) {
    return revokedAt == 0 && (expiresAt == 0 || now < expiresAt);
  }

  public DelegationRecord revoked(long at, String by) {
    return new DelegationRecord(principal, delegate, scopes, expiresAt, createdAt, at, by);
  }
}
