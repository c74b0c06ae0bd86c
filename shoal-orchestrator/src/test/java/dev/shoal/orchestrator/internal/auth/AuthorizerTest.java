package dev.shoal.orchestrator.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.auth.Authorizer.Decision;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizerTest {

  private final FakeClock clock = new FakeClock(0);
  private final ApiKeys keys = new ApiKeys(new MemoryClientStore(), clock, Runnable::run);
  private final Authorizer authorizer = new Authorizer(keys, new RateLimiter(clock));

  @Test
  void whileNoKeyExistsEveryRequestWithoutAHeaderIsLetIn() {
    assertThat(authorizer.authorize(null, Scope.ADMIN)).isEqualTo(new Decision.Allowed(Optional.empty()));
  }

  @Test
  void whileNoKeyExistsAnyHeaderIsIgnoredAsOpenAiClientsAlwaysSendOne() {
    assertThat(authorizer.authorize("Bearer unused", Scope.READ)).isEqualTo(new Decision.Allowed(Optional.empty()));
  }

  @Test
  void onceAKeyExistsAMalformedHeaderIsRefused() {
    keys.create("admin", Set.of(Scope.ADMIN), 5);
    assertThat(authorizer.authorize("Bearer nonsense", Scope.READ))
        .isInstanceOfSatisfying(Decision.Denied.class, d -> {
          assertThat(d.status()).isEqualTo(401);
          assertThat(d.code()).isEqualTo("unauthenticated");
          assertThat(d.message()).startsWith("malformed Authorization header");
        });
  }

  @Test
  void onceAKeyExistsARequestWithoutOneIsUnauthenticated() {
    keys.create("admin", Set.of(Scope.ADMIN), 5);
    assertThat(authorizer.authorize(null, Scope.READ))
        .isEqualTo(new Decision.Denied(
            401, "unauthenticated", "this route needs an API key: 'Authorization: Bearer shk_…'", 0));
  }

  @Test
  void unknownAndRevokedKeysAreUnauthenticated() {
    CreatedKey k = keys.create("ci", Set.of(Scope.READ), 5);
    assertThat(authorizer.authorize("Bearer shk_aaaaaaaaaa_" + "A".repeat(43), Scope.READ))
        .isEqualTo(new Decision.Denied(401, "unauthenticated", "unknown API key", 0));
    keys.revoke(k.key().id());
    assertThat(authorizer.authorize("Bearer " + k.token(), Scope.READ))
        .isEqualTo(new Decision.Denied(
            401, "unauthenticated", "API key " + k.key().id() + " was revoked", 0));
  }

  @Test
  void aKeyWithoutTheRoutesScopeIsDenied() {
    CreatedKey k = keys.create("reader", Set.of(Scope.READ), 5);
    assertThat(authorizer.authorize("Bearer " + k.token(), Scope.READ))
        .isInstanceOf(Decision.Allowed.class);
    assertThat(authorizer.authorize("Bearer " + k.token(), Scope.SUBMIT))
        .isInstanceOfSatisfying(Decision.Denied.class, d -> {
          assertThat(d.status()).isEqualTo(403);
          assertThat(d.code()).isEqualTo("permission_denied");
          assertThat(d.message()).contains("'submit'");
        });
  }

  @Test
  void aKeyOverItsRateIsRateLimitedWithRetryAfter() {
    CreatedKey k = keys.create("ci", Set.of(Scope.ADMIN), 2);
    String header = "Bearer " + k.token();
    for (int i = 0; i < 4; i++) {
      assertThat(authorizer.authorize(header, Scope.READ)).isEqualTo(
          new Decision.Allowed(Optional.of(k.key().authenticated())));
    }
    assertThat(authorizer.authorize(header, Scope.READ))
        .isInstanceOfSatisfying(Decision.Denied.class, d -> {
          assertThat(d.status()).isEqualTo(429);
          assertThat(d.code()).isEqualTo("rate_limited");
          assertThat(d.retryAfterSeconds()).isEqualTo(1);
        });
    clock.advance(500);
    assertThat(authorizer.authorize(header, Scope.READ)).isInstanceOf(Decision.Allowed.class);
  }
}
