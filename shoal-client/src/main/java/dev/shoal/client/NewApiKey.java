package dev.shoal.client;

import java.util.Set;

/**
 * A key just created: {@code key} ({@code shk_<id>_<secret>}) is shown this once and never again,
 * so store it now. {@link #toString()} leaves it out.
 */
public record NewApiKey(String id, String key, String name, Set<ApiKey.Scope> scopes, int rateLimit, long createdAt) {

  public NewApiKey {
    scopes = Set.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "NewApiKey[id=" + id + ", key=***, name=" + name + ", scopes=" + scopes + ", rateLimit=" + rateLimit
        + ", createdAt=" + createdAt + "]";
  }
}
