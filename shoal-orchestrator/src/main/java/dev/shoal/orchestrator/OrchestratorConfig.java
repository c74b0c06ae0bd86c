package dev.shoal.orchestrator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything an orchestrator needs to start, validated once. Defaults: loopback only, gRPC on
 * 7070, HTTP on 8080, state in memory, 5 % spot checks, no trusted workers. A {@code dataDir}
 * makes state durable in {@code dataDir/shoal.db} and keeps the orchestrator's key in
 * {@code dataDir/orchestrator.key}; {@code fsync} makes every commit survive power loss too.
 * {@code trustedPeers} are peer ids (each derived from a worker's public key) whose results get
 * lighter validation; spot checks apply to them all the same. A worker whose reputation falls to
 * {@code quarantineThreshold} is excluded from scheduling for {@code quarantineCoolOff}. Results
 * are validated with {@code freivaldsRounds} rounds of Freivalds' check (matmul) and
 * {@code validationSamples} recomputed elements (every operator); trusted workers get at most 2
 * and 8. A finished job and its results are kept for {@code resultRetention} (0: forever).
 * The HTTP API binds a non-loopback address only once an API key exists (kept in
 * {@code dataDir/clients.db}) or with {@code allowUnauthenticatedPublic}; the worker port only with
 * {@code allowPublicBind}. Webhooks are signed with the request's secret or the one in
 * {@code webhookSecretFile}, and never target private addresses unless {@code webhookAllowPrivate}.
 * Workers fetch task inputs from, and upload large outputs to, {@code publicUrl} (null: the HTTP
 * address).
 */
public record OrchestratorConfig(
    String grpcHost,
    int grpcPort,
    String httpHost,
    int httpPort,
    Path dataDir,
    boolean fsync,
    Duration heartbeatInterval,
    int missedHeartbeats,
    Duration slotHold,
    long maxRequestBytes,
    boolean allowPublicBind,
    double spotCheckFraction,
    java.util.List<String> trustedPeers,
    Duration quarantineCoolOff,
    double quarantineThreshold,
    int freivaldsRounds,
    int validationSamples,
    Duration resultRetention,
    boolean allowUnauthenticatedPublic,
    boolean webhookAllowPrivate,
    Path webhookSecretFile,
    String publicUrl) {

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.grpcHost = grpcHost;
    b.grpcPort = grpcPort;
    b.httpHost = httpHost;
    b.httpPort = httpPort;
    b.dataDir = dataDir;
    b.fsync = fsync;
    b.heartbeatInterval = heartbeatInterval;
    b.missedHeartbeats = missedHeartbeats;
    b.slotHold = slotHold;
    b.maxRequestBytes = maxRequestBytes;
    b.allowPublicBind = allowPublicBind;
    b.spotCheckFraction = spotCheckFraction;
    b.trustedPeers = trustedPeers;
    b.quarantineCoolOff = quarantineCoolOff;
    b.quarantineThreshold = quarantineThreshold;
    b.freivaldsRounds = freivaldsRounds;
    b.validationSamples = validationSamples;
    b.resultRetention = resultRetention;
    b.allowUnauthenticatedPublic = allowUnauthenticatedPublic;
    b.webhookAllowPrivate = webhookAllowPrivate;
    b.webhookSecretFile = webhookSecretFile;
    b.publicUrl = publicUrl;
    return b;
  }

  /** Checks every setting, naming the bad one. */
  public OrchestratorConfig {
    requirePort("grpc-port", grpcPort);
    requirePort("http-port", httpPort);
    if (heartbeatInterval.toMillis() < 10) {
      throw new IllegalArgumentException("heartbeat-interval must be at least 10 ms, got " + heartbeatInterval);
    }
    if (missedHeartbeats < 1 || missedHeartbeats > 100) {
      throw new IllegalArgumentException("missed-heartbeats must be in 1..100, got " + missedHeartbeats);
    }
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException("max-request-bytes must be at least 1024, got " + maxRequestBytes);
    }
    if (!(spotCheckFraction >= 0 && spotCheckFraction <= 1)) {
      throw new IllegalArgumentException("spot-checks must be a fraction in 0..1, got " + spotCheckFraction);
    }
    trustedPeers = trustedPeers == null ? java.util.List.of() : java.util.List.copyOf(trustedPeers);
    if (freivaldsRounds < 1 || freivaldsRounds > 64) {
      throw new IllegalArgumentException("freivalds-rounds must be in 1..64, got " + freivaldsRounds);
    }
    if (validationSamples < 1 || validationSamples > 1 << 20) {
      throw new IllegalArgumentException("validation-samples must be in 1..1048576, got " + validationSamples);
    }
    if (resultRetention.isNegative()) {
      throw new IllegalArgumentException("result-retention must not be negative (0 keeps results forever), got " + resultRetention);
    }
    if (quarantineCoolOff.isNegative()) {
      throw new IllegalArgumentException("quarantine-cool-off must not be negative, got " + quarantineCoolOff);
    }
    if (!(quarantineThreshold < 0 && quarantineThreshold >= -1000)) {
      throw new IllegalArgumentException("quarantine-threshold must be a negative score, got " + quarantineThreshold);
    }
    for (String peer : trustedPeers) {
      if (!dev.shoal.protocol.PeerIds.isWellFormed(peer)) {
        throw new IllegalArgumentException("trusted-peer " + peer + " is not a peer id (w + 32 base32 characters)");
      }
    }
    if (fsync && dataDir == null) {
      throw new IllegalArgumentException("fsync needs a data-dir: there is nothing to sync in memory");
    }
    // The HTTP port is guarded by API keys (BindPolicy, checked once the keys are loaded); the
    // worker port admits any signed worker, so opening it is a decision of its own.
    if (!allowPublicBind && !isLoopback(grpcHost)) {
      throw new IllegalArgumentException(
          "refusing to bind the worker port to " + grpcHost + ": it is not a loopback address; bind 127.0.0.1"
              + " or pass --allow-public-bind to let workers from other machines connect");
    }
  }

  private static void requirePort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be in 0..65535 (0 = any free port), got " + port);
    }
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve host " + host, e);
    }
  }

  /** Builder with the defaults above. */
  public static final class Builder {
    private String grpcHost = "127.0.0.1";
    private int grpcPort = 7070;
    private String httpHost = "127.0.0.1";
    private int httpPort = 8080;
    private Path dataDir;
    private boolean fsync;
    private Duration heartbeatInterval = Duration.ofSeconds(2);
    private int missedHeartbeats = 3;
    private Duration slotHold = Duration.ofSeconds(10);
    private long maxRequestBytes = 256L << 20;
    private boolean allowPublicBind;
    private double spotCheckFraction = 0.05;
    private java.util.List<String> trustedPeers = java.util.List.of();
    private Duration quarantineCoolOff = Duration.ofMinutes(10);
    private double quarantineThreshold = -6;
    private int freivaldsRounds = 8;
    private int validationSamples = 32;
    private Duration resultRetention = Duration.ofHours(24);
    private boolean allowUnauthenticatedPublic;
    private boolean webhookAllowPrivate;
    private Path webhookSecretFile;
    private String publicUrl;

    public Builder grpcHost(String v) { grpcHost = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder httpHost(String v) { httpHost = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder dataDir(Path v) { dataDir = v; return this; }
    public Builder fsync(boolean v) { fsync = v; return this; }
    public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
    public Builder missedHeartbeats(int v) { missedHeartbeats = v; return this; }
    public Builder slotHold(Duration v) { slotHold = v; return this; }
    public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }
    public Builder allowPublicBind(boolean v) { allowPublicBind = v; return this; }
    /** Share of first_valid tasks re-executed on a second worker (0..1). */
    public Builder spotCheckFraction(double v) { spotCheckFraction = v; return this; }
    public Builder trustedPeers(java.util.List<String> v) { trustedPeers = v; return this; }
    public Builder quarantineCoolOff(Duration v) { quarantineCoolOff = v; return this; }
    public Builder quarantineThreshold(double v) { quarantineThreshold = v; return this; }
    public Builder freivaldsRounds(int v) { freivaldsRounds = v; return this; }
    public Builder validationSamples(int v) { validationSamples = v; return this; }
    /** How long a finished task's result is kept (0: forever). */
    public Builder resultRetention(Duration v) { resultRetention = v; return this; }
    /** Serve the HTTP API on a non-loopback address even while no API key exists. */
    public Builder allowUnauthenticatedPublic(boolean v) { allowUnauthenticatedPublic = v; return this; }
    /** Let webhooks target loopback, private and link-local addresses (trusted private networks, tests). */
    public Builder webhookAllowPrivate(boolean v) { webhookAllowPrivate = v; return this; }
    /** A file holding the secret that signs webhooks of requests that bring none. */
    public Builder webhookSecretFile(Path v) { webhookSecretFile = v; return this; }
    /**
     * The base URL workers reach the HTTP API at (data service: task inputs, output uploads), e.g.
     * {@code http://10.0.0.5:8080}. Null: {@code http://<http-host>:<http-port>}.
     */
    public Builder publicUrl(String v) { publicUrl = v; return this; }

    public OrchestratorConfig build() {
      return new OrchestratorConfig(
          grpcHost, grpcPort, httpHost, httpPort, dataDir, fsync, heartbeatInterval, missedHeartbeats, slotHold,
          maxRequestBytes, allowPublicBind, spotCheckFraction, trustedPeers, quarantineCoolOff, quarantineThreshold,
          freivaldsRounds, validationSamples, resultRetention, allowUnauthenticatedPublic, webhookAllowPrivate,
          webhookSecretFile, publicUrl);
    }
  }
}
