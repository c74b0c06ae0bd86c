package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whom a principal lets act for it ({@code /v1/principals/{id}/delegates}). Only the principal
 * itself grants and revokes, with a key that acts as it (not on its behalf); anyone with {@code
 * read} lists and checks. A delegate then acts through a client derived with {@code
 * withOptions(o -> o.onBehalfOf(principal))}. Thread-safe.
 */
public final class Delegates {

  private final AsyncDelegates async;

  Delegates(AsyncDelegates async) {
    this.async = async;
  }

  /** {@code principal} lets {@code delegate} act for it with {@code scopes} until revoked. */
  public Delegation grant(String principal, String delegate, Set<DelegateScope> scopes) {
    return Sync.await(async.grant(principal, delegate, scopes));
  }

  /**
   * {@code principal} lets {@code delegate} act for it with {@code scopes} until {@code expiresAt}
   * (empty: until revoked), replacing any earlier grant to it. {@link PermissionDeniedException}
   * unless this client's key acts as {@code principal}.
   */
  public Delegation grant(String principal, String delegate, Set<DelegateScope> scopes, Optional<Instant> expiresAt) {
    return Sync.await(async.grant(principal, delegate, scopes, expiresAt));
  }

  /** Revokes at once; {@link NotFoundException} if nothing was in force. */
  public void revoke(String principal, String delegate) {
    Sync.await(async.revoke(principal, delegate));
  }

  /** Every delegation {@code principal} made, oldest first, revoked and expired ones included. */
  public List<Delegation> list(String principal) {
    return Sync.await(async.list(principal));
  }

  /** Whether {@code delegate} may act for {@code principal} now, and for what. */
  public DelegateCheck check(String principal, String delegate) {
    return Sync.await(async.check(principal, delegate));
  }
}
