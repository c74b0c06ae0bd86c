package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Transport;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Admin: the orchestrator's API keys ({@code /v1/keys}), asynchronously. Thread-safe. */
public final class AsyncKeys {

  private final Transport transport;
  private final Encoding encoding;

  AsyncKeys(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /**
   * Creates an operator's key (acting for nobody) with these scopes and a rate limit in requests
   * per second; its secret is in {@link NewApiKey#key()}, shown this once.
   */
  public CompletableFuture<NewApiKey> create(String name, Set<ApiKey.Scope> scopes, int rateLimit) {
    return create(name, scopes, rateLimit, null);
  }

  /**
   * Creates a key that acts as {@code principal}, a registered client or fleet owner ({@code p…};
   * null for an operator's key): what it publishes belongs to that principal, and it may act for
   * the principals that made that one their delegate. {@link InvalidArgumentException} if no
   * such principal is registered.
   */
  public CompletableFuture<NewApiKey> create(String name, Set<ApiKey.Scope> scopes, int rateLimit, String principal) {
    Objects.requireNonNull(name, "name");
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("a key needs at least one scope");
    }
    if (rateLimit < 1) {
      throw new IllegalArgumentException("rateLimit must be at least 1 request per second, got " + rateLimit);
    }
    return transport.call(transport.post("/v1/keys", encoding.newKey(name, scopes, rateLimit, principal)), Decoding::newKey);
  }

  /** Every key, revoked ones included, without secrets. */
  public CompletableFuture<List<ApiKey>> list() {
    return transport.call(transport.get("/v1/keys"), Decoding::keys);
  }

  /** Revokes a key now. */
  public CompletableFuture<KeyRevocation> revoke(String id) {
    return transport.call(transport.request("/v1/keys/" + Transport.segment(id)).DELETE().build(), Decoding::revocation);
  }
}
