package dev.shoal.worker;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.ProtocolVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a worker needs, validated once. {@code keyFile} keeps the worker's Ed25519 identity
 * (and so its peer id) across restarts; without it each run has a fresh key.
 */
public record WorkerConfig(
    List<String> orchestrators,
    String name,
    int maxConcurrentTasks,
    long maxTaskBytes,
    OperatorRegistry operators,
    List<String> models,
    List<ProtocolVersion> protocolVersions,
    Duration reconnectInitial,
    Duration reconnectMax,
    Path keyFile,
    Duration drainTimeout) {

  public WorkerConfig {
    orchestrators = List.copyOf(orchestrators);
    models = List.copyOf(models);
    protocolVersions = List.copyOf(protocolVersions);
    if (orchestrators.isEmpty()) {
      throw new IllegalArgumentException("orchestrator: at least one HOST:PORT is needed");
    }
    for (String a : orchestrators) {
      int colon = a.lastIndexOf(':');
      if (colon <= 0 || !a.substring(colon + 1).matches("[0-9]{1,5}") || Integer.parseInt(a.substring(colon + 1)) > 65535) {
        throw new IllegalArgumentException("orchestrator: '" + a + "' is not HOST:PORT");
      }
    }
    if (name.isBlank() || name.length() > 128) {
      throw new IllegalArgumentException("name: must have 1..128 characters");
    }
    if (maxConcurrentTasks < 1 || maxConcurrentTasks > 4096) {
      throw new IllegalArgumentException("max-tasks: must be in 1..4096, got " + maxConcurrentTasks);
    }
    if (maxTaskBytes < 1024) {
      throw new IllegalArgumentException("max-task-bytes: must be at least 1024, got " + maxTaskBytes);
    }
    if (protocolVersions.isEmpty()) {
      throw new IllegalArgumentException("protocol-versions: at least one is needed");
    }
    if (reconnectInitial.isNegative() || reconnectInitial.isZero() || reconnectMax.compareTo(reconnectInitial) < 0) {
      throw new IllegalArgumentException("reconnect: need 0 < initial <= max, got " + reconnectInitial + " and " + reconnectMax);
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drain-timeout: must not be negative");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: one slot per core, a quarter of the heap per task, every standard operator. */
  public static final class Builder {
    private List<String> orchestrators = List.of("127.0.0.1:7070");
    private String name = defaultName();
    private int maxConcurrentTasks = Runtime.getRuntime().availableProcessors();
    private long maxTaskBytes = Runtime.getRuntime().maxMemory() / 4;
    private OperatorRegistry operators = OperatorRegistry.standard();
    private List<String> models = List.of();
    private List<ProtocolVersion> protocolVersions = ProtocolVersions.SUPPORTED;
    private Duration reconnectInitial = Duration.ofMillis(200);
    private Duration reconnectMax = Duration.ofSeconds(10);
    private Path keyFile;
    private Duration drainTimeout = Duration.ofSeconds(30);

    public Builder orchestrators(List<String> v) { orchestrators = v; return this; }
    public Builder name(String v) { name = v; return this; }
    public Builder maxConcurrentTasks(int v) { maxConcurrentTasks = v; return this; }
    public Builder maxTaskBytes(long v) { maxTaskBytes = v; return this; }
    public Builder operators(OperatorRegistry v) { operators = v; return this; }
    public Builder models(List<String> v) { models = v; return this; }
    /** The versions the worker claims; tests use this to impersonate a future worker. */
    public Builder protocolVersions(List<ProtocolVersion> v) { protocolVersions = v; return this; }
    public Builder reconnectInitial(Duration v) { reconnectInitial = v; return this; }
    public Builder reconnectMax(Duration v) { reconnectMax = v; return this; }
    public Builder keyFile(Path v) { keyFile = v; return this; }
    public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }

    public WorkerConfig build() {
      return new WorkerConfig(
          orchestrators, name, maxConcurrentTasks, maxTaskBytes, operators, models, protocolVersions,
          reconnectInitial, reconnectMax, keyFile, drainTimeout);
    }

    private static String defaultName() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        return "worker";
      }
    }
  }
}
