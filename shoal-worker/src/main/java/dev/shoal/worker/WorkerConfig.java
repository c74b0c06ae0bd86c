package dev.shoal.worker;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.Accelerator;
import dev.shoal.protocol.v1.ProtocolVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a worker needs, immutable and validated in one step ({@link #validate()}, which
 * {@link Builder#build()} runs). Each error message starts with the name of the bad key as the
 * CLI spells it, so a user knows which flag or {@code SHOAL_*} variable to fix.
 *
 * @param orchestrators orchestrator gRPC addresses, {@code host:port}, tried in order
 * @param name the fleet owner's label for this worker; not unique, not trusted
 * @param maxConcurrentTasks most attempts run at once; more are rejected {@code AT_CAPACITY}
 * @param maxTaskBytes largest task (input plus output bytes) accepted
 * @param operators the operators this worker advertises and runs
 * @param models models this worker serves (for {@code llm.*} operators)
 * @param accelerators accelerators advertised in the node descriptor; none unless configured
 * @param protocolVersions protocol versions claimed in the Hello; tests claim future ones
 * @param heartbeatInterval how often to send heartbeats, or {@code null} to use the interval the
 *     orchestrator states in its Welcome (recommended: a slower worker is declared gone)
 * @param reconnectInitial first reconnect delay; doubles per failure, with jitter
 * @param reconnectMax longest reconnect delay
 * @param keyFile PEM PKCS#8 Ed25519 key that fixes the worker's peer id across restarts (created
 *     with owner-only permissions if missing), or {@code null} for a fresh key each run
 * @param drainTimeout how long {@link Worker#drain()} lets running attempts finish before handing
 *     them back as {@code RELEASED}
 * @param byzantine for tests and the demo only: the worker lies on purpose (wrong results, forged
 *     signatures, replays) so the orchestrator's defences can be shown to hold
 */
public record WorkerConfig(
    List<String> orchestrators,
    String name,
    int maxConcurrentTasks,
    long maxTaskBytes,
    OperatorRegistry operators,
    List<String> models,
    List<Accelerator> accelerators,
    List<ProtocolVersion> protocolVersions,
    Duration heartbeatInterval,
    Duration reconnectInitial,
    Duration reconnectMax,
    Path keyFile,
    Duration drainTimeout,
    boolean byzantine) {

  /** Smallest {@code max-task-bytes} accepted; less could not hold any useful task. */
  private static final long MIN_TASK_BYTES = 1024;

  public WorkerConfig {
    orchestrators = orchestrators == null ? List.of() : List.copyOf(orchestrators);
    models = models == null ? List.of() : List.copyOf(models);
    accelerators = accelerators == null ? List.of() : List.copyOf(accelerators);
    protocolVersions = protocolVersions == null ? List.of() : List.copyOf(protocolVersions);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks every field and returns this config.
   *
   * @throws IllegalArgumentException naming the first bad key
   */
  public WorkerConfig validate() {
    if (orchestrators.isEmpty()) {
      throw new IllegalArgumentException("orchestrator: at least one HOST:PORT is needed");
    }
    for (String a : orchestrators) {
      if (!isHostPort(a)) {
        throw new IllegalArgumentException("orchestrator: '" + a + "' is not HOST:PORT");
      }
    }
    if (name == null || name.isBlank() || name.length() > 128) {
      throw new IllegalArgumentException("name: must have 1..128 characters");
    }
    int maxTasks = ProtocolLimits.DEFAULT.maxConcurrentTasks();
    if (maxConcurrentTasks < 1 || maxConcurrentTasks > maxTasks) {
      throw new IllegalArgumentException(
          "max-tasks: must be in 1.." + maxTasks + ", got " + maxConcurrentTasks);
    }
    if (maxTaskBytes < MIN_TASK_BYTES) {
      throw new IllegalArgumentException(
          "max-task-bytes: must be at least " + MIN_TASK_BYTES + ", got " + maxTaskBytes);
    }
    Objects.requireNonNull(operators, "operators");
    int ops = operators.ids().size();
    if (ops == 0 || ops > ProtocolLimits.DEFAULT.maxOperators()) {
      throw new IllegalArgumentException(
          "operators: a worker runs 1.." + ProtocolLimits.DEFAULT.maxOperators() + " operators, got " + ops);
    }
    if (models.size() > ProtocolLimits.DEFAULT.maxModels()) {
      throw new IllegalArgumentException("models: at most " + ProtocolLimits.DEFAULT.maxModels());
    }
    for (String m : models) {
      if (m.isBlank() || m.length() > ProtocolLimits.DEFAULT.maxStringLength()) {
        throw new IllegalArgumentException("models: '" + m + "' must have 1..256 characters");
      }
    }
    if (accelerators.size() > 64) {
      throw new IllegalArgumentException("accelerators: at most 64");
    }
    if (protocolVersions.isEmpty() || protocolVersions.size() > 16) {
      throw new IllegalArgumentException("protocol-versions: 1..16 versions are needed");
    }
    if (heartbeatInterval != null
        && (heartbeatInterval.compareTo(Duration.ofMillis(10)) < 0 || heartbeatInterval.compareTo(Duration.ofMinutes(10)) > 0)) {
      throw new IllegalArgumentException(
          "heartbeat-interval: must be in 10 ms..10 min, got " + heartbeatInterval);
    }
    if (reconnectInitial == null
        || reconnectMax == null
        || reconnectInitial.isNegative()
        || reconnectInitial.isZero()
        || reconnectMax.compareTo(reconnectInitial) < 0
        || reconnectMax.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "reconnect: need 0 < initial <= max <= 1 h, got " + reconnectInitial + " and " + reconnectMax);
    }
    if (drainTimeout == null || drainTimeout.isNegative() || drainTimeout.compareTo(Duration.ofDays(365)) > 0) {
      throw new IllegalArgumentException("drain-timeout: must be in 0..365 days, got " + drainTimeout);
    }
    return this;
  }

  private static boolean isHostPort(String a) {
    int colon = a.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    String host = a.substring(0, colon);
    String port = a.substring(colon + 1);
    return !host.isBlank()
        && host.chars().noneMatch(Character::isWhitespace)
        && port.matches("[0-9]{1,5}")
        && Integer.parseInt(port) >= 1
        && Integer.parseInt(port) <= 65535;
  }

  /**
   * Defaults: one slot per available processor, a quarter of the max heap per task, every
   * standard operator, no models or accelerators, the orchestrator's heartbeat interval,
   * reconnect backoff 200 ms doubling to 10 s, an ephemeral key, a 30 s drain.
   */
  public static final class Builder {
    private List<String> orchestrators = List.of("127.0.0.1:7070");
    private String name;
    private int maxConcurrentTasks = Runtime.getRuntime().availableProcessors();
    private long maxTaskBytes = Runtime.getRuntime().maxMemory() / 4;
    private OperatorRegistry operators = OperatorRegistry.standard();
    private List<String> models = List.of();
    private List<Accelerator> accelerators = List.of();
    private List<ProtocolVersion> protocolVersions = ProtocolVersions.SUPPORTED;
    private Duration heartbeatInterval;
    private Duration reconnectInitial = Duration.ofMillis(200);
    private Duration reconnectMax = Duration.ofSeconds(10);
    private Path keyFile;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private boolean byzantine;

    private Builder() {}

    public Builder orchestrators(List<String> v) { orchestrators = v; return this; }
    public Builder name(String v) { name = v; return this; }
    public Builder maxConcurrentTasks(int v) { maxConcurrentTasks = v; return this; }
    public Builder maxTaskBytes(long v) { maxTaskBytes = v; return this; }
    public Builder operators(OperatorRegistry v) { operators = v; return this; }
    public Builder models(List<String> v) { models = v; return this; }
    public Builder accelerators(List<Accelerator> v) { accelerators = v; return this; }
    /** The versions the worker claims; tests use this to impersonate a future worker. */
    public Builder protocolVersions(List<ProtocolVersion> v) { protocolVersions = v; return this; }
    /** {@code null} (the default) follows the orchestrator's Welcome. */
    public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
    public Builder reconnectInitial(Duration v) { reconnectInitial = v; return this; }
    public Builder reconnectMax(Duration v) { reconnectMax = v; return this; }
    /** {@code null} (the default) means a fresh key, and so a fresh peer id, every run. */
    public Builder keyFile(Path v) { keyFile = v; return this; }
    public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
    /** Tests and the demo only: makes this worker lie (see {@link WorkerConfig#byzantine()}). */
    public Builder byzantine(boolean v) { byzantine = v; return this; }

    /** Builds and validates; throws {@link IllegalArgumentException} naming the bad key. */
    public WorkerConfig build() {
      return new WorkerConfig(
              orchestrators,
              name == null ? defaultName() : name,
              maxConcurrentTasks,
              maxTaskBytes,
              operators,
              models,
              accelerators,
              protocolVersions,
              heartbeatInterval,
              reconnectInitial,
              reconnectMax,
              keyFile,
              drainTimeout,
              byzantine)
          .validate();
    }

    private static String defaultName() {
      String host = System.getenv("HOSTNAME");
      if (host != null && !host.isBlank() && host.length() <= 128) {
        return host;
      }
      try {
        String h = java.net.InetAddress.getLocalHost().getHostName();
        return h.isBlank() || h.length() > 128 ? "worker" : h;
      } catch (java.net.UnknownHostException e) {
        // No resolvable host name is normal in containers; the label is informational only.
        return "worker";
      }
    }
  }
}
