package dev.shoal.orchestrator.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.KeyRecord;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.store.SqliteClientStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeysTest {

  private final FakeClock clock = new FakeClock(1_000_000);
  private final MemoryClientStore store = new MemoryClientStore();
  private final ApiKeys keys = new ApiKeys(store, clock, Runnable::run);

  @Test
  void aCreatedKeyHasTheDocumentedShapeAndAuthenticatesWithItsScopes() {
    CreatedKey created = keys.create("ci", EnumSet.of(Scope.SUBMIT, Scope.READ), 20);

    assertThat(created.token()).matches("shk_[a-z2-7]{10}_[A-Za-z0-9_-]{43}");
    assertThat(created.token()).startsWith("shk_" + created.key().id() + "_");
    assertThat(Base64.getUrlDecoder().decode(created.token().substring(15))).hasSize(32);
    assertThat(created.key()).isEqualTo(
        new ApiKey(created.key().id(), "ci", Set.of(Scope.READ, Scope.SUBMIT), 20, 1_000_000, 0, 0, ""));
    assertThat(created.toString()).doesNotContain(created.token());

    AuthResult result = keys.authenticate("Bearer " + created.token());
    assertThat(result).isEqualTo(new AuthResult.Authenticated(
        new Principal(created.key().id(), "ci", Set.of(Scope.READ, Scope.SUBMIT), 20)));
    Principal p = ((AuthResult.Authenticated) result).principal();
    assertThat(p.allows(Scope.READ)).isTrue();
    assertThat(p.allows(Scope.SUBMIT)).isTrue();
    assertThat(p.allows(Scope.ADMIN)).isFalse();
  }

  @Test
  void adminImpliesEveryOtherScope() {
    Principal admin = new Principal("k", "n", Set.of(Scope.ADMIN), 1);
    assertThat(EnumSet.allOf(Scope.class)).allMatch(admin::allows);
    assertThat(new Principal("k", "n", Set.of(Scope.READ), 1).allows(Scope.SUBMIT)).isFalse();
  }

  @Test
  void theStoreKeepsOnlyTheSha256OfTheSecret() {
    CreatedKey created = keys.create("ci", Set.of(Scope.READ), 5);
    byte[] secret = Base64.getUrlDecoder().decode(created.token().substring(15));
    KeyRecord stored = store.keys().getFirst();
    assertThat(stored.secretHash()).isEqualTo(ApiKeys.sha256(secret));
    assertThat(stored.secretHash()).isNotEqualTo(secret);
  }

  @Test
  void aWrongSecretAndAnUnknownIdAreBothUnknown() {
    CreatedKey created = keys.create("ci", Set.of(Scope.READ), 5);
    String token = created.token();
    char last = token.charAt(20) == 'A' ? 'B' : 'A';
    String wrongSecret = token.substring(0, 20) + last + token.substring(21);
    String otherId = "shk_" + (created.key().id().startsWith("a") ? "b" : "a") + token.substring(5);

    assertThat(keys.authenticate("Bearer " + wrongSecret)).isEqualTo(new AuthResult.Unknown());
    assertThat(keys.authenticate("Bearer " + otherId)).isEqualTo(new AuthResult.Unknown());
  }

  @Test
  void aRevokedKeyIsRefusedAtOnceAndStaysListed() {
    CreatedKey created = keys.create("ci", Set.of(Scope.READ), 5);
    clock.advance(7);

    ApiKey revoked = keys.revoke(created.key().id()).orElseThrow();

    assertThat(revoked.revokedAt()).isEqualTo(1_000_007);
    assertThat(keys.authenticate("Bearer " + created.token()))
        .isEqualTo(new AuthResult.Revoked(created.key().id()));
    clock.advance(5);
    assertThat(keys.revoke(created.key().id())).hasValueSatisfying(k -> assertThat(k.revokedAt()).isEqualTo(1_000_007));
    assertThat(keys.revoke("nosuchkey0")).isEmpty();
    assertThat(keys.list()).singleElement().satisfies(k -> assertThat(k.isRevoked()).isTrue());
    assertThat(store.keys().getFirst().revokedAt()).isEqualTo(1_000_007);
  }

  @Test
  void aRevokedKeyWithAWrongSecretSaysUnknownNotRevoked() {
    CreatedKey created = keys.create("ci", Set.of(Scope.READ), 5);
    keys.revoke(created.key().id());
    String token = created.token();
    String wrong = token.substring(0, 20) + (token.charAt(20) == 'A' ? 'B' : 'A') + token.substring(21);
    assertThat(keys.authenticate("Bearer " + wrong)).isEqualTo(new AuthResult.Unknown());
  }

  @Test
  void listIsOldestFirstAndAnyKeysStaysTrueAfterKeysAreRevoked() {
    assertThat(keys.anyKeys()).isFalse();
    CreatedKey a = keys.create("a", Set.of(Scope.READ), 5);
    clock.advance(1);
    CreatedKey b = keys.create("b", Set.of(Scope.SUBMIT), 5);

    assertThat(keys.list()).extracting(ApiKey::name).containsExactly("a", "b");
    keys.revoke(a.key().id());
    keys.revoke(b.key().id());
    assertThat(keys.anyKeys()).isTrue();
  }

  @Test
  void theLastAdminKeyCannotBeRevokedSoNobodyIsLockedOut() {
    CreatedKey first = keys.create("root", Set.of(Scope.ADMIN), 5);
    keys.create("reader", Set.of(Scope.READ), 5);

    assertThatThrownBy(() -> keys.revoke(first.key().id()))
        .isInstanceOf(ApiKeys.LastAdminKey.class)
        .hasMessageContaining("create another admin key first");
    assertThat(keys.authenticate("Bearer " + first.token())).isInstanceOf(AuthResult.Authenticated.class);

    CreatedKey second = keys.create("root-2", Set.of(Scope.ADMIN, Scope.READ), 5);
    assertThat(keys.revoke(first.key().id())).hasValueSatisfying(k -> assertThat(k.isRevoked()).isTrue());
    assertThatThrownBy(() -> keys.revoke(second.key().id())).isInstanceOf(ApiKeys.LastAdminKey.class);
  }

  @Test
  void creationRefusesBadFieldsNamingThem() {
    assertThatThrownBy(() -> keys.create(" ", Set.of(Scope.READ), 5)).hasMessageContaining("name");
    assertThatThrownBy(() -> keys.create("x".repeat(101), Set.of(Scope.READ), 5)).hasMessageContaining("name");
    assertThatThrownBy(() -> keys.create("a\nb", Set.of(Scope.READ), 5)).hasMessageContaining("control");
    assertThatThrownBy(() -> keys.create("ci", Set.of(), 5)).hasMessageContaining("scopes");
    assertThatThrownBy(() -> keys.create("ci", Set.of(Scope.READ), 0)).hasMessageContaining("rate_limit");
    assertThatThrownBy(() -> keys.create("ci", Set.of(Scope.READ), 10_001)).hasMessageContaining("rate_limit");
    assertThat(keys.anyKeys()).isFalse();
  }

  @Test
  void scopesParseFromTheirWireNamesOnly() {
    assertThat(Scope.fromWire("submit")).isEqualTo(Scope.SUBMIT);
    assertThatThrownBy(() -> Scope.fromWire("SUBMIT")).hasMessageContaining("read, submit or admin");
  }

  static Stream<Arguments> headers() {
    String good = "shk_abcdefghij_" + "A".repeat(42) + "A";
    return Stream.of(
        Arguments.of(null, AuthResult.Missing.class),
        Arguments.of("", AuthResult.Missing.class),
        Arguments.of("  ", AuthResult.Missing.class),
        Arguments.of("Basic dXNlcjpwYXNz", AuthResult.Malformed.class),
        Arguments.of("Bearer", AuthResult.Malformed.class),
        Arguments.of("Bearer ", AuthResult.Malformed.class),
        Arguments.of(good, AuthResult.Malformed.class),
        Arguments.of("Bearer  " + good, AuthResult.Malformed.class),
        Arguments.of("Bearer " + good + "A", AuthResult.Malformed.class),
        Arguments.of("Bearer " + good.substring(1), AuthResult.Malformed.class),
        Arguments.of("Bearer " + "x".repeat(10_000), AuthResult.Malformed.class),
        Arguments.of("Bearer sk-" + good.substring(3), AuthResult.Malformed.class),
        Arguments.of("Bearer shk_ABCDEFGHIJ_" + "A".repeat(43), AuthResult.Malformed.class),
        Arguments.of("Bearer shk_abcdefgh18_" + "A".repeat(43), AuthResult.Malformed.class),
        Arguments.of("Bearer shk_abcdefghij-" + "A".repeat(43), AuthResult.Malformed.class),
        Arguments.of("Bearer shk_abcdefghij_" + "A".repeat(42) + "=", AuthResult.Malformed.class),
        Arguments.of("Bearer shk_abcdefghij_" + "A".repeat(42) + "+", AuthResult.Malformed.class),
        Arguments.of("Bearer shk_abcdefghij_" + "A".repeat(42) + "é", AuthResult.Malformed.class),
        // 43 base64 characters carry 258 bits; a secret whose spare 2 bits are set is not canonical
        Arguments.of("Bearer shk_abcdefghij_" + "A".repeat(42) + "B", AuthResult.Malformed.class),
        Arguments.of("Bearer " + good, AuthResult.Unknown.class),
        Arguments.of("bearer " + good, AuthResult.Unknown.class),
        Arguments.of("\tBearer " + good + " ", AuthResult.Unknown.class));
  }

  @ParameterizedTest
  @MethodSource("headers")
  void headersAreParsedStrictly(String header, Class<? extends AuthResult> expected) {
    keys.create("present", Set.of(Scope.READ), 5);
    assertThat(keys.authenticate(header)).isInstanceOf(expected);
  }

  @Test
  void malformedReasonsNeverEchoTheHeader() {
    String header = "Bearer shk_abcdefghij_" + "A".repeat(42) + "=";
    AuthResult r = keys.authenticate(header);
    assertThat(((AuthResult.Malformed) r).reason()).doesNotContain("AAAA");
  }

  @Test
  void lastUsedIsWrittenOnFirstUseThenAtMostOncePerMinute() {
    ClientStore counting = new CountingStore();
    ApiKeys counted = new ApiKeys(counting, clock, Runnable::run);
    CreatedKey created = counted.create("ci", Set.of(Scope.READ), 5);
    String header = "Bearer " + created.token();

    counted.authenticate(header);
    assertThat(counting.keys().getFirst().lastUsedAt()).isEqualTo(1_000_000);
    for (int i = 0; i < 100; i++) {
      clock.advance(500);
      counted.authenticate(header);
    }
    // 50 s of use: one write at the first use, none since; the list still shows the latest use.
    assertThat(((CountingStore) counting).touches).isEqualTo(1);
    assertThat(counted.list().getFirst().lastUsedAt()).isEqualTo(1_050_000);
    clock.advance(10_000);
    counted.authenticate(header);
    assertThat(((CountingStore) counting).touches).isEqualTo(2);
    assertThat(counting.keys().getFirst().lastUsedAt()).isEqualTo(1_060_000);

    clock.advance(1_000);
    counted.authenticate(header);
    counted.flushLastUsed();
    assertThat(counting.keys().getFirst().lastUsedAt()).isEqualTo(1_061_000);
    assertThat(((CountingStore) counting).touches).isEqualTo(3);
  }

  @Test
  void keysSurviveARestartAndTheDatabaseNeverHoldsTheSecret(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("clients.db");
    CreatedKey created;
    try (SqliteClientStore sqlite = new SqliteClientStore(file, true)) {
      ApiKeys durable = new ApiKeys(sqlite, clock, Runnable::run);
      created = durable.create("ci", Set.of(Scope.SUBMIT), 7);
      durable.authenticate("Bearer " + created.token());
    }
    String secretText = created.token().substring(15);
    byte[] secret = Base64.getUrlDecoder().decode(secretText);
    byte[] onDisk = readAll(dir);
    String asText = new String(onDisk, StandardCharsets.ISO_8859_1);
    assertThat(asText).doesNotContain(secretText).doesNotContain(created.token());
    assertThat(indexOf(onDisk, secret)).isEqualTo(-1);
    assertThat(HexFormat.of().formatHex(onDisk)).contains(HexFormat.of().formatHex(ApiKeys.sha256(secret)));

    try (SqliteClientStore sqlite = new SqliteClientStore(file, true)) {
      ApiKeys again = new ApiKeys(sqlite, clock, Runnable::run);
      assertThat(again.authenticate("Bearer " + created.token())).isInstanceOf(AuthResult.Authenticated.class);
      assertThat(again.list()).singleElement().satisfies(k -> {
        assertThat(k.scopes()).containsExactly(Scope.SUBMIT);
        assertThat(k.rateLimit()).isEqualTo(7);
        assertThat(k.lastUsedAt()).isEqualTo(1_000_000);
      });
      again.revoke(created.key().id());
    }
    try (SqliteClientStore sqlite = new SqliteClientStore(file, true)) {
      assertThat(new ApiKeys(sqlite, clock, Runnable::run).authenticate("Bearer " + created.token()))
          .isInstanceOf(AuthResult.Revoked.class);
    }
  }

  private static byte[] readAll(Path dir) throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        out.write(Files.readAllBytes(f));
      }
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The memory store, counting the last-used writes it is asked for. */
  private static final class CountingStore extends ForwardingClientStore {
    int touches;

    CountingStore() {
      super(new MemoryClientStore());
    }

    @Override
    public void touchKeys(java.util.Map<String, Long> lastUsedAt) {
      if (!lastUsedAt.isEmpty()) {
        touches++;
      }
      super.touchKeys(lastUsedAt);
    }
  }
}
