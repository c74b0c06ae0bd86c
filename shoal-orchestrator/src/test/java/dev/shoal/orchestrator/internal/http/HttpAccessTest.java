package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.orchestrator.internal.auth.ApiKeys;
import dev.shoal.orchestrator.internal.auth.Authorizer;
import dev.shoal.orchestrator.internal.auth.RateLimiter;
import dev.shoal.orchestrator.internal.auth.Scope;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * API keys on real HTTP: open while no key exists, then a key with the route's scope on every
 * route but the health check, a per-key rate limit, and revocation that takes effect at once.
 */
class HttpAccessTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final FakeClock clock = new FakeClock(1_700_000_000_000L);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final HttpApiTest.FakeJobs jobs = new HttpApiTest.FakeJobs();
  private ApiKeys keys;
  private HttpApi api;

  @BeforeEach
  void start() {
    keys = new ApiKeys(new MemoryClientStore(), clock, Runnable::run);
    api =
        new HttpApi(
                jobs, new JobPlanner(OperatorRegistry.standard()), new ResultAssembler(), "127.0.0.1", 0, 64 * 1024,
                new HttpApi.Access(keys, new Authorizer(keys, new RateLimiter(clock)), TaskWebhooks.NONE),
                HttpApi.Events.none())
            .start();
  }

  @AfterEach
  void stop() {
    api.stop();
    client.close();
  }

  private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String code(HttpResponse<String> r) throws Exception {
    return MAPPER.readTree(r.body()).path("error").path("code").asText();
  }

  private String createKey(String adminKey, String name, String scopes, int rate) throws Exception {
    HttpResponse<String> r =
        send("POST", "/v1/keys", adminKey, "{\"name\": \"%s\", \"scopes\": %s, \"rate_limit\": %d}".formatted(name, scopes, rate));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode created = MAPPER.readTree(r.body());
    assertThat(created.get("key").asText()).startsWith("shk_");
    return created.get("key").asText();
  }

  @Test
  void openUntilTheFirstKeyThenEveryRouteButHealthNeedsOne() throws Exception {
    assertThat(send("GET", "/v1/workers", null, null).statusCode()).isEqualTo(200);
    String admin = createKey(null, "ops", "[\"admin\"]", 100);

    HttpResponse<String> anonymous = send("GET", "/v1/workers", null, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(code(anonymous)).isEqualTo("unauthenticated");
    assertThat(send("GET", "/v1/health", null, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/workers", admin, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/workers", "shk_aaaaaaaaaa_" + "A".repeat(43), null).statusCode()).isEqualTo(401);

    // The OpenAI routes answer in OpenAI's envelope, so OpenAI clients raise their own error.
    HttpResponse<String> openAi = send("GET", "/v1/models", null, null);
    assertThat(openAi.statusCode()).isEqualTo(401);
    JsonNode error = MAPPER.readTree(openAi.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("authentication_error");
    assertThat(error.get("code").asText()).isEqualTo("unauthenticated");
  }

  @Test
  void aKeyDoesOnlyWhatItsScopesAllow() throws Exception {
    String admin = createKey(null, "ops", "[\"admin\"]", 100);
    String reader = createKey(admin, "dashboard", "[\"read\"]", 100);
    String submitter = createKey(admin, "ci", "[\"submit\"]", 100);

    assertThat(send("GET", "/v1/jobs", reader, null).statusCode()).isEqualTo(200);
    HttpResponse<String> denied = send("POST", "/v1/tasks/run", reader, "{}");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(code(denied)).isEqualTo("permission_denied");
    // submit passes the gate (and the body is then judged on its own).
    assertThat(code(send("POST", "/v1/tasks/run", submitter, "{}"))).isEqualTo("invalid_argument");
    assertThat(send("GET", "/v1/keys", submitter, null).statusCode()).isEqualTo(403);
    assertThat(send("PUT", "/v1/trusted/w" + "a".repeat(32), submitter, null).statusCode()).isEqualTo(403);
    assertThat(MAPPER.readTree(send("GET", "/v1/keys", admin, null).body()).get("keys")).hasSize(3);
    assertThat(HttpApi.scopeOf("POST", "/v1/peers/wx/quarantine/lift")).isEqualTo(Scope.ADMIN);
  }

  @Test
  void overItsRateAKeyGets429WithRetryAfterUntilTimePasses() throws Exception {
    String admin = createKey(null, "ops", "[\"admin\"]", 100);
    String slow = createKey(admin, "slow", "[\"read\"]", 1);
    // Burst is twice the rate: two requests, then refusal on a clock that does not move.
    assertThat(send("GET", "/v1/jobs", slow, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/jobs", slow, null).statusCode()).isEqualTo(200);
    HttpResponse<String> limited = send("GET", "/v1/jobs", slow, null);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(code(limited)).isEqualTo("rate_limited");
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
    clock.advance(1_000);
    assertThat(send("GET", "/v1/jobs", slow, null).statusCode()).isEqualTo(200);
  }

  @Test
  void revocationTakesEffectOnTheNextRequest() throws Exception {
    String admin = createKey(null, "ops", "[\"admin\"]", 100);
    String ci = createKey(admin, "ci", "[\"read\"]", 100);
    assertThat(send("GET", "/v1/jobs", ci, null).statusCode()).isEqualTo(200);
    String id = ci.split("_")[1];

    HttpResponse<String> revoked = send("DELETE", "/v1/keys/" + id, admin, null);
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(MAPPER.readTree(revoked.body()).get("revoked_at").asLong()).isPositive();
    HttpResponse<String> after = send("GET", "/v1/jobs", ci, null);
    assertThat(after.statusCode()).isEqualTo(401);
    assertThat(MAPPER.readTree(after.body()).path("error").path("message").asText()).contains("revoked");
    assertThat(send("DELETE", "/v1/keys/nosuchkey0", admin, null).statusCode()).isEqualTo(404);
    // The last admin key stays: revoking it would lock every administrator out for good.
    HttpResponse<String> last = send("DELETE", "/v1/keys/" + admin.split("_")[1], admin, null);
    assertThat(last.statusCode()).isEqualTo(409);
    assertThat(MAPPER.readTree(last.body()).path("error").path("message").asText()).contains("last admin key");
    // Listing never shows a secret.
    assertThat(send("GET", "/v1/keys", admin, null).body()).doesNotContain(ci.substring(ci.lastIndexOf('_') + 1));
  }

  @Test
  void badKeyRequestsAreRefusedAndCreateNothing() throws Exception {
    assertThat(code(send("POST", "/v1/keys", null, "{\"name\": \"x\", \"scopes\": [\"root\"]}"))).isEqualTo("invalid_argument");
    assertThat(code(send("POST", "/v1/keys", null, "{\"name\": \"x\", \"scopes\": []}"))).isEqualTo("invalid_argument");
    assertThat(code(send("POST", "/v1/keys", null, "{\"name\": \"x\", \"scopes\": [\"read\"], \"rate_limit\": 0}")))
        .isEqualTo("invalid_argument");
    assertThat(code(send("POST", "/v1/keys", null, "{\"name\": \"x\", \"scopes\": [\"read\"], \"extra\": 1}")))
        .isEqualTo("invalid_argument");
    assertThat(keys.anyKeys()).isFalse();
  }
}
