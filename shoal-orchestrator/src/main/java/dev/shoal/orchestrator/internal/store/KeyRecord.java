package dev.shoal.orchestrator.internal.store;

import java.util.List;

/**
 * One API key as stored: its SHA-256 secret hash, never the secret. {@code scopes} are the wire
 * names ({@code read}, {@code submit}, {@code admin}); {@code rateLimit} is requests per second.
 * Times are epoch milliseconds; 0 means never (not used yet, not revoked). {@code principal} is
 * the client or fleet owner the key acts as ("" for an operator's key, bound to nobody).
 */
public record KeyRecord(
    String id,
    String name,
    List<String> scopes,
    int rateLimit,
    byte[] secretHash,
    long createdAt,
    long lastUsedAt,
    long revokedAt,
    String principal) {

  public KeyRecord {
    scopes = List.copyOf(scopes);
    secretHash = secretHash.clone();
  }

  @Override
  public byte[] secretHash() {
    return secretHash.clone();
  }
}
