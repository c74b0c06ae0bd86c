package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.util.List;
import java.util.Set;

/** Admin: the orchestrator's API keys ({@code /v1/keys}). Thread-safe. */
public final class Keys {

  private final AsyncKeys async;

  Keys(AsyncKeys async) {
    this.async = async;
  }

  /** Creates an operator's key (acting for nobody); its secret is in {@link NewApiKey#key()}, shown this once. */
  public NewApiKey create(String name, Set<ApiKey.Scope> scopes, int rateLimit) {
    return Sync.await(async.create(name, scopes, rateLimit));
  }

  /**
   * Creates a key that acts as {@code principal}, a registered client or fleet owner ({@code p…};
   * null for an operator's key); its secret is in {@link NewApiKey#key()}, shown this once.
   */
  public NewApiKey create(String name, Set<ApiKey.Scope> scopes, int rateLimit, String principal) {
    return Sync.await(async.create(name, scopes, rateLimit, principal));
  }

  /** Every key, revoked ones included, without secrets. */
  public List<ApiKey> list() {
    return Sync.await(async.list());
  }

  /** Revokes a key now. */
  public KeyRevocation revoke(String id) {
    return Sync.await(async.revoke(id));
  }
}
