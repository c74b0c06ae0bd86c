package dev.shoal.client;

import java.util.Locale;
import java.util.Set;

/**
 * An API key as {@code GET /v1/keys} lists it, without its secret: its scopes, its rate limit in
 * requests per second (burst twice that), the principal it acts as (null for an operator's key,
 * which acts for nobody), and when it was created, last used and revoked (epoch ms; null if
 * never).
 */
public record ApiKey(
    String id,
    String name,
    Set<Scope> scopes,
    int rateLimit,
    String principal,
    long createdAt,
    Long lastUsedAt,
    Long revokedAt) {

  public ApiKey {
    scopes = Set.copyOf(scopes);
  }

  public boolean revoked() {
    return revokedAt != null;
  }

  /** What a key may do: {@code read} every GET, {@code submit} work, {@code admin} everything. */
  public enum Scope {
    READ,
    SUBMIT,
    ADMIN;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The scope named {@code wire}, or null if this SDK does not know it. */
    public static Scope fromWire(String wire) {
      for (Scope s : values()) {
        if (s.wireName().equals(wire)) {
          return s;
        }
      }
      return null;
    }
  }
}
