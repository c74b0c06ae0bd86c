package dev.shoal.orchestrator.internal.auth;

import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.KeyRecord;
import dev.shoal.orchestrator.internal.store.StoreException;
import dev.shoal.orchestrator.internal.time.Clock;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator's API keys: creates them, checks {@code Authorization} headers against them,
 * lists and revokes them. Every key is held in memory (there are few) and written through to the
 * {@link ClientStore}. Thread-safe: {@link #authenticate} takes no lock; creating and revoking
 * are serialised.
 *
 * <p>A token is {@code shk_<id>_<secret>}: the id (10 base32 characters, 50 random bits) finds
 * the key, the secret (32 random bytes, base64url without padding) proves it. Only SHA-256 of the
 * secret's bytes is stored. A plain hash is enough here: slow password hashes (bcrypt, argon2)
 * exist to make guessing low-entropy passwords expensive, but a 256-bit random secret cannot be
 * guessed from its hash however fast the hash is, and a slow hash would cost every request
 * milliseconds.
 */
public final class ApiKeys {

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  static final String PREFIX = "shk_";
  static final int ID_LENGTH = 10;
  static final int SECRET_BYTES = 32;
  static final int SECRET_LENGTH = 43; // base64url of 32 bytes, no padding
  static final int TOKEN_LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH;
  private static final String BEARER = "Bearer ";
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  /** last_used_at is written at most this often per key, so a busy key costs no write per request. */
  static final long TOUCH_INTERVAL_MILLIS = 60_000;
  public static final int MAX_NAME_LENGTH = 100;
  public static final int MAX_RATE_LIMIT = 10_000;

  private final ClientStore store;
  private final Clock clock;
  private final Executor touchWriter;
  private final SecureRandom random;
  private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
  /** Compared against when the id is unknown, so a miss costs what a wrong secret costs. */
  private final byte[] decoyHash;

  /** One key's state; everything but the times is fixed at creation. */
  private static final class Entry {
    final KeyRecord record;
    volatile long revokedAt;
    final AtomicLong lastUsedAt;
    /** The last last_used_at handed to the store. */
    final AtomicLong lastWrittenAt;

    Entry(KeyRecord record) {
      this.record = record;
      this.revokedAt = record.revokedAt();
      this.lastUsedAt = new AtomicLong(record.lastUsedAt());
      this.lastWrittenAt = new AtomicLong(record.lastUsedAt());
    }

    ApiKey view() {
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      record.scopes().forEach(s -> scopes.add(Scope.fromWire(s)));
      return new ApiKey(
          record.id(), record.name(), scopes, record.rateLimit(), record.createdAt(), lastUsedAt.get(), revokedAt,
          record.principal());
    }
  }

  /**
   * Loads every key from {@code store}. {@code touchWriter} runs the coalesced last_used_at writes
   * off the request path (a virtual-thread executor is right; a direct one writes inline).
   */
  public ApiKeys(ClientStore store, Clock clock, Executor touchWriter) {
    this(store, clock, touchWriter, new SecureRandom());
  }

  ApiKeys(ClientStore store, Clock clock, Executor touchWriter, SecureRandom random) {
    this.store = store;
    this.clock = clock;
    this.touchWriter = touchWriter;
    this.random = random;
    this.decoyHash = new byte[32];
    random.nextBytes(decoyHash);
    for (KeyRecord k : store.keys()) {
      byId.put(k.id(), new Entry(k));
    }
  }

  /**
   * Creates a key. The returned token is the only copy of its secret. Throws
   * {@link IllegalArgumentException} naming the bad field.
   */
  public CreatedKey create(String name, Set<Scope> scopes, int rateLimit) {
    return create(name, scopes, rateLimit, "");
  }

  /**
   * Creates a key that acts as {@code principal} ("" for none: an operator's key). Whether that
   * principal exists is the caller's check.
   */
  public synchronized CreatedKey create(String name, Set<Scope> scopes, int rateLimit, String principal) {
    if (name == null || name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("name must be 1.." + MAX_NAME_LENGTH + " characters and not blank");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("name must not contain control characters");
    }
    if (scopes == null || scopes.isEmpty()) {
      throw new IllegalArgumentException("scopes must name at least one of read, submit, admin");
    }
    if (rateLimit < 1 || rateLimit > MAX_RATE_LIMIT) {
      throw new IllegalArgumentException(
          "rate_limit must be 1.." + MAX_RATE_LIMIT + " requests per second, got " + rateLimit);
    }
    String id;
    do {
      id = randomId();
    } while (byId.containsKey(id));
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    List<String> wireScopes = EnumSet.copyOf(scopes).stream().map(Scope::wireName).toList();
    KeyRecord record =
        new KeyRecord(id, name, wireScopes, rateLimit, sha256(secret), clock.millis(), 0, 0, principal == null ? "" : principal);
    store.putKey(record);
    Entry entry = new Entry(record);
    byId.put(id, entry);
    log.info("api key created key={} name={} scopes={} rate_limit={}", id, name, wireScopes, rateLimit);
    String token = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new CreatedKey(entry.view(), token);
  }

  private String randomId() {
    char[] id = new char[ID_LENGTH];
    for (int i = 0; i < id.length; i++) {
      id[i] = BASE32.charAt(random.nextInt(32));
    }
    return new String(id);
  }

  /**
   * Checks an {@code Authorization} header value (null when absent). Strict: one scheme
   * ({@code Bearer}, any case), one exact token shape, nothing else.
   */
  public AuthResult authenticate(String authorizationHeaderValue) {
    if (authorizationHeaderValue == null) {
      return new AuthResult.Missing();
    }
    String value = stripWhitespace(authorizationHeaderValue);
    if (value.isEmpty()) {
      return new AuthResult.Missing();
    }
    if (value.length() > BEARER.length() + TOKEN_LENGTH) {
      return new AuthResult.Malformed("the header is longer than 'Bearer ' and a key");
    }
    if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return new AuthResult.Malformed("expected 'Bearer shk_<id>_<secret>'");
    }
    String token = value.substring(BEARER.length());
    if (token.length() != TOKEN_LENGTH || !token.startsWith(PREFIX) || token.charAt(PREFIX.length() + ID_LENGTH) != '_') {
      return new AuthResult.Malformed("a key looks like shk_<10 characters>_<43 characters>");
    }
    String id = token.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
    String secretText = token.substring(PREFIX.length() + ID_LENGTH + 1);
    if (!id.chars().allMatch(c -> BASE32.indexOf(c) >= 0)) {
      return new AuthResult.Malformed("a key's id is lowercase base32");
    }
    if (!secretText.chars().allMatch(ApiKeys::isBase64Url)) {
      return new AuthResult.Malformed("a key's secret is base64url");
    }
    byte[] secret;
    try {
      secret = Base64.getUrlDecoder().decode(secretText);
    } catch (IllegalArgumentException e) {
      return new AuthResult.Malformed("a key's secret is not base64url");
    }
    // The decoder ignores the spare low bits of the last character; only the canonical spelling counts.
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(secret).equals(secretText)) {
      return new AuthResult.Malformed("a key's secret is not canonical base64url");
    }
    byte[] presented = sha256(secret);
    Entry entry = byId.get(id);
    boolean matches = MessageDigest.isEqual(presented, entry == null ? decoyHash : entry.record.secretHash());
    if (entry == null || !matches) {
      return new AuthResult.Unknown();
    }
    if (entry.revokedAt != 0) {
      return new AuthResult.Revoked(id);
    }
    touch(entry);
    return new AuthResult.Authenticated(entry.view().authenticated());
  }

  private static String stripWhitespace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isBase64Url(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  /** Notes a use in memory; hands it to the store only if the last write is a minute old. */
  private void touch(Entry entry) {
    long now = clock.millis();
    entry.lastUsedAt.accumulateAndGet(now, Math::max);
    long written = entry.lastWrittenAt.get();
    if (now - written >= TOUCH_INTERVAL_MILLIS && entry.lastWrittenAt.compareAndSet(written, now)) {
      String id = entry.record.id();
      touchWriter.execute(() -> writeLastUsed(Map.of(id, now)));
    }
  }

  /** Writes every last_used_at not yet written (on shutdown, so the last minute is not lost). */
  public void flushLastUsed() {
    Map<String, Long> pending = new HashMap<>();
    for (Entry e : byId.values()) {
      long used = e.lastUsedAt.get();
      long written = e.lastWrittenAt.get();
      if (used > written && e.lastWrittenAt.compareAndSet(written, used)) {
        pending.put(e.record.id(), used);
      }
    }
    writeLastUsed(pending);
  }

  private void writeLastUsed(Map<String, Long> lastUsed) {
    try {
      store.touchKeys(lastUsed);
    } catch (StoreException e) {
      // A lost last_used_at is cosmetic; the request it came from must not fail for it.
      log.warn("cannot record api key use keys={}: {}", lastUsed.keySet(), e.getMessage());
    }
  }

  /**
   * Revokes a key at once (the next request with it is refused); empty if there is no such key.
   *
   * @throws LastAdminKey if it is the only admin key left: revoked keys still count, so the
   *     orchestrator would stay closed with nobody able to create another key
   */
  public synchronized Optional<ApiKey> revoke(String id) {
    Entry entry = id == null ? null : byId.get(id);
    if (entry == null) {
      return Optional.empty();
    }
    if (entry.revokedAt == 0 && isAdmin(entry) && byId.values().stream().noneMatch(e -> e != entry && e.revokedAt == 0 && isAdmin(e))) {
      throw new LastAdminKey(
          "key " + id + " is the last admin key: create another admin key first, then revoke this one");
    }
    if (entry.revokedAt == 0) {
      long at = Math.max(1, clock.millis()); // 0 means "not revoked", even on a test's clock at the epoch
      store.revokeKey(id, at);
      entry.revokedAt = at;
      log.info("api key revoked key={} name={}", id, entry.record.name());
    }
    return Optional.of(entry.view());
  }

  private static boolean isAdmin(Entry e) {
    return e.record.scopes().contains(Scope.ADMIN.wireName());
  }

  /** Revoking the last admin key would lock every administrator out. */
  public static final class LastAdminKey extends RuntimeException {
    LastAdminKey(String message) {
      super(message);
    }
  }

  /** Every key, revoked ones included, oldest first. */
  public List<ApiKey> list() {
    return byId.values().stream()
        .map(Entry::view)
        .sorted(Comparator.comparingLong(ApiKey::createdAt).thenComparing(ApiKey::id))
        .toList();
  }

  /**
   * Whether any key was ever created. Revoked keys count: revoking the last key must not reopen
   * an orchestrator to everyone.
   */
  public boolean anyKeys() {
    return !byId.isEmpty();
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
