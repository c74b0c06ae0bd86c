package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where the key comes from, what is sent, and how derived clients relate to the original. */
class ShoalClientOptionsTest {

  private static final URI BASE = URI.create("http://127.0.0.1:8080/");

  private static ShoalClientOptions.Builder env(String key) {
    Map<String, String> env = key == null ? Map.of() : Map.of("SHOAL_API_KEY", key);
    return ShoalClientOptions.builder().baseUrl(BASE).environment(env::get);
  }

  private static Optional<String> authorization(ShoalClient client) {
    HttpRequest req = client.async().transport().get("/v1/workers");
    return req.headers().firstValue("Authorization");
  }

  @Test
  void theKeyIsGivenOrTakenFromTheEnvironmentOrLeftOutOnPurpose() {
    try (ShoalClient given = ShoalClient.create(env("shk_env_secret").apiKey("shk_given_secret").build());
        ShoalClient fromEnv = ShoalClient.create(env("shk_env_secret").build());
        ShoalClient nullMeansEnv = ShoalClient.create(env("shk_env_secret").apiKey(null).build());
        ShoalClient none = ShoalClient.create(env("shk_env_secret").noApiKey().build());
        ShoalClient noEnv = ShoalClient.create(env(null).build());
        ShoalClient blankEnv = ShoalClient.create(env("  ").build())) {
      assertThat(authorization(given)).contains("Bearer shk_given_secret");
      assertThat(authorization(fromEnv)).contains("Bearer shk_env_secret");
      assertThat(authorization(nullMeansEnv)).contains("Bearer shk_env_secret");
      assertThat(authorization(none)).isEmpty();
      assertThat(authorization(noEnv)).isEmpty();
      assertThat(authorization(blankEnv)).isEmpty();
      assertThat(given.options().baseUrl()).hasToString("http://127.0.0.1:8080");
    }
  }

  @Test
  void withOptionsDerivesAClientAndLeavesTheOriginalAlone() {
    try (ShoalClient original = ShoalClient.create(env(null).apiKey("shk_a_first").build())) {
      try (ShoalClient other = original.withOptions(o -> o.apiKey("shk_b_other").timeout(Duration.ofSeconds(5)));
          ShoalClient anonymous = other.withOptions(ShoalClientOptions.Builder::noApiKey)) {
        assertThat(authorization(other)).contains("Bearer shk_b_other");
        assertThat(other.async().transport().get("/v1/workers").timeout()).contains(Duration.ofSeconds(5));
        assertThat(authorization(anonymous)).isEmpty();
        assertThat(anonymous.options().timeout()).isEqualTo(Duration.ofSeconds(5));
      }
      assertThat(authorization(original)).contains("Bearer shk_a_first");
      assertThat(original.async().transport().get("/v1/workers").timeout()).contains(Duration.ofSeconds(60));
    }
  }

  @Test
  void aDerivedClientActsForAnotherPrincipalOnEveryRequest() {
    String alice = "p" + "a".repeat(32);
    try (ShoalClient bot = ShoalClient.create(env(null).apiKey("shk_bot_secret").build());
        ShoalClient forAlice = bot.withOptions(o -> o.onBehalfOf(alice));
        ShoalClient itselfAgain = forAlice.withOptions(o -> o.onBehalfOf(null))) {
      for (HttpRequest req :
          List.of(forAlice.async().transport().get("/v1/workers"), forAlice.async().transport().post("/v1/tasks", new byte[0]))) {
        assertThat(req.headers().firstValue("Shoal-On-Behalf-Of")).contains(alice);
        assertThat(req.headers().firstValue("Authorization")).contains("Bearer shk_bot_secret");
      }
      assertThat(forAlice.options().onBehalfOf()).isEqualTo(alice);
      assertThat(forAlice.options().toString()).contains("onBehalfOf=" + alice);
      assertThat(bot.async().transport().get("/v1/workers").headers().firstValue("Shoal-On-Behalf-Of")).isEmpty();
      assertThat(itselfAgain.async().transport().get("/v1/workers").headers().firstValue("Shoal-On-Behalf-Of")).isEmpty();
    }
  }

  @Test
  void derivedClientsShareTheConnectionUntilTheLastIsClosed() {
    try (LiveMesh mesh = LiveMesh.start()) {
      ShoalClient original = ShoalClient.create(ShoalClientOptions.builder().baseUrl(mesh.url()).noApiKey().build());
      ShoalClient derived = original.withOptions(o -> o.timeout(Duration.ofSeconds(3)));

      derived.close();
      assertThat(original.workers().list()).isEmpty();
      ShoalClient again = original.withOptions(o -> o.timeout(Duration.ofSeconds(4)));
      original.close();
      assertThat(again.jobs().list(1)).isEmpty();
      again.close();

      assertThatThrownBy(() -> again.jobs().list(1)).isInstanceOf(ConnectionException.class);
      assertThatThrownBy(() -> original.withOptions(o -> {})).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertThatThrownBy(() -> env(null).apiKey("two words").build()).hasMessageContaining("apiKey");
    assertThatThrownBy(() -> env(null).apiKey("").build()).hasMessageContaining("noApiKey");
    assertThatThrownBy(() -> env("bad\nkey").build()).hasMessageContaining("SHOAL_API_KEY");
    assertThatThrownBy(() -> env(null).baseUrl("ftp://host").build()).hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> env(null).baseUrl("http://host/?q=1").build()).hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> env(null).timeout(Duration.ZERO).build()).hasMessageContaining("timeout");
    // A principal id, nothing else: a worker's peer id, a name, or a header smuggled in.
    for (String bad : List.of("alice", "w" + "a".repeat(32), "p" + "A".repeat(32), "p" + "a".repeat(31) + "\r\nX: y", "")) {
      assertThatThrownBy(() -> env(null).onBehalfOf(bad).build()).as(bad).hasMessageContaining("onBehalfOf");
    }
    assertThatThrownBy(() -> new ArtifactLimits(0, 1)).hasMessageContaining("maxEntries");
  }

  @Test
  void theKeyNeverShowsInToString() {
    ShoalClientOptions o = env(null).apiKey("shk_id_verysecret").build();
    NewApiKey created = new NewApiKey("id", "shk_id_verysecret", "ci", java.util.Set.of(ApiKey.Scope.READ), 5, null, 0);
    TaskRequest.Webhook hook = new TaskRequest.Webhook(URI.create("https://hooks.example.com/x"), "a-secret-of-16-chars!");

    assertThat(o.toString()).doesNotContain("verysecret");
    assertThat(created.toString()).doesNotContain("verysecret");
    assertThat(hook.toString()).doesNotContain("a-secret");
  }
}
