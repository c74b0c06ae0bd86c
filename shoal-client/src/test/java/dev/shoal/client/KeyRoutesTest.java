package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SDK on API.md's key routes, and what keys do to every other call, against a real orchestrator. */
class KeyRoutesTest {

  @Test
  void keysAreCreatedUsedScopedAndRevoked() {
    try (LiveMesh guarded = LiveMesh.start()) {
      ShoalClient anonymous = guarded.client();
      // While no key exists, a loopback orchestrator answers everyone: the first key is made so.
      NewApiKey admin = anonymous.keys().create("admin", Set.of(ApiKey.Scope.ADMIN), 100);
      assertThat(admin.key()).startsWith("shk_" + admin.id() + "_");

      assertThatThrownBy(() -> anonymous.workers().list()).isInstanceOf(UnauthenticatedException.class);
      try (ShoalClient root = anonymous.withOptions(o -> o.apiKey(admin.key()))) {
        NewApiKey reader = root.keys().create("reader", Set.of(ApiKey.Scope.READ), 1);
        assertThat(root.keys().list()).extracting(ApiKey::id).contains(admin.id(), reader.id());
        try (ShoalClient readOnly = root.withOptions(o -> o.apiKey(reader.key()))) {
          assertThat(readOnly.workers().list()).isEmpty();
          assertThatThrownBy(() -> readOnly.jobs().submitTasks(List.of(TaskSpec.of("shoal.noop@1"))))
              .isInstanceOf(PermissionDeniedException.class);
          // One request per second, a burst of two: the third at once is over the limit.
          assertThatThrownBy(() -> {
                for (int i = 0; i < 3; i++) {
                  readOnly.workers().list();
                }
              })
              .isInstanceOfSatisfying(RateLimitedException.class, e -> assertThat(e.retryAfter()).isPresent());
          KeyRevocation revoked = root.keys().revoke(reader.id());
          assertThat(revoked.id()).isEqualTo(reader.id());
          assertThatThrownBy(() -> readOnly.jobs().list(1)).isInstanceOf(UnauthenticatedException.class);
        }
      }
    }
  }
}
