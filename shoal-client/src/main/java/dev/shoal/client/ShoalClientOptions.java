package dev.shoal.client;

import dev.shoal.client.internal.PrincipalKeys;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a client talks to one orchestrator: its base URL, the API key sent as {@code Authorization:
 * Bearer} (or none), the principal it acts for ({@code Shoal-On-Behalf-Of}, or itself), how long
 * a call may wait for an answer, and the caps on artifacts. Immutable; {@link #builder()}
 * validates once, in {@link Builder#build()}.
 *
 * <p>The key is given explicitly ({@link Builder#apiKey}), else read from the {@code SHOAL_API_KEY}
 * environment variable when the options are built, or left out on purpose ({@link
 * Builder#noApiKey}).
 */
public final class ShoalClientOptions {

  /** The environment variable the key is read from when none is given. */
  public static final String API_KEY_ENV = "SHOAL_API_KEY";

  private final URI baseUrl;
  private final String apiKey;
  private final String onBehalfOf;
  private final Duration timeout;
  private final ArtifactLimits artifactLimits;

  private ShoalClientOptions(URI baseUrl, String apiKey, String onBehalfOf, Duration timeout, ArtifactLimits artifactLimits) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.onBehalfOf = onBehalfOf;
    this.timeout = timeout;
    this.artifactLimits = artifactLimits;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, the key included; for deriving changed options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.baseUrl = baseUrl;
    b.timeout = timeout;
    b.artifactLimits = artifactLimits;
    b.key = apiKey == null ? KeySource.NONE : KeySource.GIVEN;
    b.apiKey = apiKey;
    b.onBehalfOf = onBehalfOf;
    return b;
  }

  /** The orchestrator's HTTP API, e.g. {@code http://127.0.0.1:8080}, without a trailing slash. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The key sent with every request, or null for none. */
  public String apiKey() {
    return apiKey;
  }

  /**
   * The principal every request acts for, sent as {@code Shoal-On-Behalf-Of}; null when the key
   * acts as itself (its own principal, or an operator's key).
   */
  public String onBehalfOf() {
    return onBehalfOf;
  }

  /**
   * How long a call waits for the orchestrator's answer to begin (60 s by default). {@code
   * tasks().run} waits this long on top of the time the task may take.
   */
  public Duration timeout() {
    return timeout;
  }

  public ArtifactLimits artifactLimits() {
    return artifactLimits;
  }

  /** Never shows the key. */
  @Override
  public String toString() {
    return "ShoalClientOptions[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "***")
        + (onBehalfOf == null ? "" : ", onBehalfOf=" + onBehalfOf) + ", timeout="
        + timeout + ", artifactLimits=" + artifactLimits + "]";
  }

  private enum KeySource { ENVIRONMENT, GIVEN, NONE }

  /** Defaults: {@code http://127.0.0.1:8080}, the key from {@code SHOAL_API_KEY}, 60 s, {@link ArtifactLimits#DEFAULT}. */
  public static final class Builder {
    private URI baseUrl = URI.create("http://127.0.0.1:8080");
    private KeySource key = KeySource.ENVIRONMENT;
    private String apiKey;
    private String onBehalfOf;
    private Duration timeout = Duration.ofSeconds(60);
    private ArtifactLimits artifactLimits = ArtifactLimits.DEFAULT;
    private Function<String, String> environment = System::getenv;

    private Builder() {}

    public Builder baseUrl(URI v) {
      baseUrl = Objects.requireNonNull(v, "baseUrl");
      return this;
    }

    public Builder baseUrl(String v) {
      return baseUrl(URI.create(v));
    }

    /** Sends this key; null means: read {@code SHOAL_API_KEY} (the default). */
    public Builder apiKey(String v) {
      key = v == null ? KeySource.ENVIRONMENT : KeySource.GIVEN;
      apiKey = v;
      return this;
    }

    /** Sends no key, whatever the environment says (an orchestrator on loopback with no keys yet). */
    public Builder noApiKey() {
      key = KeySource.NONE;
      apiKey = null;
      return this;
    }

    /**
     * Acts for principal {@code v} (a {@code p…} id) on every request: a delegate's client. The
     * orchestrator allows what that principal delegated to this key's principal, and records
     * both. Null (the default) acts as the key itself.
     */
    public Builder onBehalfOf(String v) {
      onBehalfOf = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = Objects.requireNonNull(v, "timeout");
      return this;
    }

    public Builder artifactLimits(ArtifactLimits v) {
      artifactLimits = Objects.requireNonNull(v, "artifactLimits");
      return this;
    }

    /** Where {@code SHOAL_API_KEY} is looked up; tests only. */
    Builder environment(Function<String, String> v) {
      environment = Objects.requireNonNull(v);
      return this;
    }

    /** Validates and resolves the key; throws {@link IllegalArgumentException} naming the bad option. */
    public ShoalClientOptions build() {
      String scheme = baseUrl.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme) || baseUrl.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must be an http(s) URL with a host, got " + baseUrl);
      }
      if (baseUrl.getQuery() != null || baseUrl.getFragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query or fragment, got " + baseUrl);
      }
      String b = baseUrl.toString();
      URI base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      String resolved =
          switch (key) {
            case GIVEN -> checkKey(apiKey, "apiKey");
            case NONE -> null;
            case ENVIRONMENT -> {
              String v = environment.apply(API_KEY_ENV);
              yield v == null || v.isBlank() ? null : checkKey(v.strip(), API_KEY_ENV);
            }
          };
      if (onBehalfOf != null && !PrincipalKeys.isPrincipalId(onBehalfOf)) {
        throw new IllegalArgumentException(
            "onBehalfOf must be a principal id: p and 32 characters a-z, 2-7 (see principals().list())");
      }
      return new ShoalClientOptions(base, resolved, onBehalfOf, timeout, artifactLimits);
    }

    /** A key goes into a header: anything but visible ASCII would break or smuggle it. */
    private static String checkKey(String v, String name) {
      if (v.isEmpty()) {
        throw new IllegalArgumentException(name + " is empty; use noApiKey() to send none");
      }
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c <= 0x20 || c >= 0x7f) {
          throw new IllegalArgumentException(name + " may hold only visible ASCII characters");
        }
      }
      return v;
    }
  }
}
