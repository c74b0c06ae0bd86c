package dev.shoal.client;

import java.util.Set;

/**
 * A key just created: {@code key} ({@code shk_<id>_<secret>}) is shown this once and never again,
 * so store it now. {@code principal} is the one it acts as, null for an operator's key. {@link
 * #toString()} leaves the key out.
 */
public record NewApiKey(
    String id, String key, String name, Set<ApiKey.Scope> scopes, int rateLimit, String principal, long createdAt) {

  public NewApiKey {
    scopes = Set.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "NewApiKey[id=" + id + ", key=***, name=" + name + ", scopes=" + scopes + ", rateLimit=" + rateLimit
        + ", principal=" + principal + ", createdAt=" + createdAt + "]";
  }
}
