package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Transport;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Whom a principal lets act for it ({@code /v1/principals/{id}/delegates}), asynchronously. Only
 * the principal itself grants and revokes, with a key that acts as it (not on its behalf);
 * anyone with {@code read} lists and checks. Thread-safe.
 */
public final class AsyncDelegates {

  private final Transport transport;
  private final Encoding encoding;

  AsyncDelegates(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /** {@link #grant(String, String, Set, Optional)} without expiry. */
  public CompletableFuture<Delegation> grant(String principal, String delegate, Set<DelegateScope> scopes) {
    return grant(principal, delegate, scopes, Optional.empty());
  }

  /**
   * {@code principal} lets {@code delegate} (another registered principal) act for it with {@code
   * scopes} until {@code expiresAt} (empty: until revoked), replacing any earlier grant to it. A
   * client grants publish, cancel and confirm, a fleet owner register and assign: anything else
   * is an {@link InvalidArgumentException}. {@link PermissionDeniedException} unless this client's
   * key acts as {@code principal}; {@link NotFoundException} if either is not registered.
   */
  public CompletableFuture<Delegation> grant(
      String principal, String delegate, Set<DelegateScope> scopes, Optional<Instant> expiresAt) {
    Objects.requireNonNull(delegate, "delegate");
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("a delegate needs at least one scope");
    }
    return transport.call(
        transport.post(path(principal), encoding.grant(delegate, scopes, expiresAt.orElse(null))), Decoding::delegation);
  }

  /**
   * {@code principal} revokes what it granted {@code delegate}, at once. {@link
   * NotFoundException} if nothing was in force.
   */
  public CompletableFuture<Void> revoke(String principal, String delegate) {
    return transport.call(
        transport.request(path(principal) + "/" + Transport.segment(delegate)).DELETE().build(), json -> null);
  }

  /** Every delegation {@code principal} made, oldest first, revoked and expired ones included. */
  public CompletableFuture<List<Delegation>> list(String principal) {
    return transport.call(transport.get(path(principal)), Decoding::delegations);
  }

  /** Whether {@code delegate} may act for {@code principal} now, and for what. */
  public CompletableFuture<DelegateCheck> check(String principal, String delegate) {
    return transport.call(transport.get(path(principal) + "/" + Transport.segment(delegate)), Decoding::delegateCheck);
  }

  private static String path(String principal) {
    return "/v1/principals/" + Transport.segment(principal) + "/delegates";
  }
}
