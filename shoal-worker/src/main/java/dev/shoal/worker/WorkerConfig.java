package dev.shoal.worker;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.Accelerator;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.worker.internal.data.DataCache;
import dev.shoal.worker.internal.exec.ProcessExecutor;
import dev.shoal.worker.internal.exec.ShellWords;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

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
 * @param owner who runs this machine, as its owner states it (advertised, never verified), or null;
 *     a fleet owner's principal id ({@code p…}) is the worker's signed half of a pairing with it
 * @param services the ids of services this worker registers itself to (its signed descriptor lists them)
 * @param llm the OpenAI-compatible server that serves {@code models} for {@code llm.chat@1} and
 *     {@code llm.complete@1}, or null: those operators are then not advertised
 * @param commands the allowlist of {@code process.run@1}: command name to argv; empty, and the
 *     operator is not advertised. {@code {output}} in an argument becomes the attempt's output folder
 * @param processMemoryBytes address-space cap of each command's process (the whole tree gets the
 *     same limit per process), or 0 for none
 * @param processOutputCap most stdout bytes a command's result carries (the rest is dropped)
 * @param artifactCap most bytes of artifacts (files in the output folder) one result carries
 * @param dataDir where attempts of {@code process.run@1} get their working directories ({@code
 *     DATA-DIR/attempts}), or null for a folder under {@code java.io.tmpdir}
 * @param dataCacheBytes most bytes of inputs fetched by reference ({@code tensor_ref}) kept in
 *     memory for later attempts that name the same bytes; 0 keeps none
 * @param dataCacheAge how long a fetched input is kept after it arrived
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
    boolean byzantine,
    String owner,
    List<String> services,
    LlmUpstream llm,
    Map<String, List<String>> commands,
    long processMemoryBytes,
    long processOutputCap,
    long artifactCap,
    Path dataDir,
    long dataCacheBytes,
    Duration dataCacheAge) {

  /** Smallest {@code max-task-bytes} accepted; less could not hold any useful task. */
  private static final long MIN_TASK_BYTES = 1024;

  /** Smallest address-space cap accepted: below it not even a shell starts. */
  private static final long MIN_PROCESS_MEMORY = 16L << 20;

  /** What one result message can carry besides ids and diagnostics (the protocol's 64 MiB less 64 KiB). */
  private static final long RESULT_BYTES = ProtocolLimits.DEFAULT.maxMessageBytes() - 64 * 1024;

  private static final Pattern COMMAND_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public WorkerConfig {
    orchestrators = orchestrators == null ? List.of() : List.copyOf(orchestrators);
    models = models == null ? List.of() : List.copyOf(models);
    accelerators = accelerators == null ? List.of() : List.copyOf(accelerators);
    protocolVersions = protocolVersions == null ? List.of() : List.copyOf(protocolVersions);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    if (commands != null) {
      commands.forEach((k, v) -> copy.put(k, v == null ? List.of() : List.copyOf(v)));
    }
    commands = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * The OpenAI-compatible server behind the {@code llm.*} operators.
   *
   * @param baseUrl its OpenAI base URL, the one that ends in {@code /v1} (Ollama: {@code
   *     http://127.0.0.1:11434/v1}); the worker appends {@code /chat/completions} and {@code
   *     /completions}
   * @param apiKey sent as {@code Authorization: Bearer KEY}, or null
   */
  public record LlmUpstream(URI baseUrl, String apiKey) {
    public LlmUpstream {
      Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** Never prints the key. */
    @Override
    public String toString() {
      return "LlmUpstream[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "(set)") + "]";
    }
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
    // The llm.* and process.run operators count too: a worker may run nothing but a model.
    int ops = operators.ids().size() + (llm != null ? 2 : 0) + (commands.isEmpty() ? 0 : 1);
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
    if (owner != null && (owner.isBlank() || owner.length() > 128 || owner.chars().anyMatch(Character::isISOControl))) {
      throw new IllegalArgumentException("owner: must have 1..128 characters and no control characters");
    }
    if (services.size() > 256 || services.stream().anyMatch(s -> s.isEmpty() || s.length() > 64 || s.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
      throw new IllegalArgumentException("service: at most 256 ids, each 1..64 printable characters without spaces");
    }
    validateLlm();
    validateCommands();
    if (dataCacheBytes < 0) {
      throw new IllegalArgumentException("data-cache: must not be negative, got " + dataCacheBytes);
    }
    if (dataCacheAge == null || !dataCacheAge.isPositive() || dataCacheAge.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("data-cache-age: must be in (0, 1 day], got " + dataCacheAge);
    }
    return this;
  }

  private void validateLlm() {
    if (llm == null) {
      return;
    }
    URI u = llm.baseUrl();
    if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
        || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException("llm-url: '" + u + "' is not an http(s) URL with a host and no query");
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException("llm-model: at least one model is needed to serve llm.* from " + u);
    }
    String key = llm.apiKey();
    if (key != null && (key.isBlank() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
      throw new IllegalArgumentException("llm-api-key: must be printable ASCII without spaces");
    }
  }

  private void validateCommands() {
    for (Map.Entry<String, List<String>> e : commands.entrySet()) {
      String name = e.getKey();
      if (name == null || !COMMAND_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("command: name '" + name + "' must match " + COMMAND_NAME.pattern());
      }
      List<String> argv = e.getValue();
      if (argv.isEmpty() || argv.getFirst().isEmpty()) {
        throw new IllegalArgumentException("command: '" + name + "' has no program to run");
      }
      if (argv.stream().anyMatch(a -> a.indexOf('\0') >= 0)) {
        throw new IllegalArgumentException("command: '" + name + "' has a NUL character in its argv");
      }
      if (ProcessExecutor.resolveProgram(argv.getFirst()) == null) {
        throw new IllegalArgumentException(
            "command: '" + name + "' runs '" + argv.getFirst() + "', which is not an executable file"
                + (argv.getFirst().contains("/") ? "" : " in " + ProcessExecutor.PATH));
      }
    }
    if (processMemoryBytes != 0 && processMemoryBytes < MIN_PROCESS_MEMORY) {
      throw new IllegalArgumentException(
          "process-memory: must be 0 (no cap) or at least " + MIN_PROCESS_MEMORY + " bytes, got " + processMemoryBytes);
    }
    if (processOutputCap < 0 || artifactCap < 0) {
      throw new IllegalArgumentException("process-output-cap, artifact-cap: must not be negative");
    }
    if (processOutputCap + artifactCap > RESULT_BYTES) {
      throw new IllegalArgumentException(
          "artifact-cap: with process-output-cap it must fit one result message: " + processOutputCap + " + "
              + artifactCap + " > " + RESULT_BYTES + " bytes");
    }
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
   * reconnect backoff 200 ms doubling to 10 s, an ephemeral key, a 30 s drain; no LLM server and
   * no commands; for commands, 4 GiB of address space, 4 MiB of stdout and 16 MiB of artifacts;
   * 256 MiB of inputs fetched by reference kept for 10 minutes.
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
    private String owner;
    private final List<String> services = new ArrayList<>();
    private LlmUpstream llm;
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private long processMemoryBytes = 4L << 30;
    private long processOutputCap = 4L << 20;
    private long artifactCap = 16L << 20;
    private Path dataDir;
    private long dataCacheBytes = DataCache.DEFAULT_MAX_BYTES;
    private Duration dataCacheAge = DataCache.DEFAULT_MAX_AGE;

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
    public Builder owner(String v) { owner = v; return this; }
    /** Registers the worker itself to this service (its id, {@code svc_…}). */
    public Builder service(String id) { services.add(id); return this; }
    /** The OpenAI-compatible server serving {@link #models}; {@code null} (the default) for none. */
    public Builder llm(URI baseUrl, String apiKey) { llm = baseUrl == null ? null : new LlmUpstream(baseUrl, apiKey); return this; }
    /** Allowlists one command for {@code process.run@1}: {@code name} runs {@code argv}. */
    public Builder command(String name, List<String> argv) { commands.put(name, argv); return this; }
    /**
     * Allowlists one command written {@code NAME=ARGV}, the argv split like a shell word list
     * (quotes and backslashes, no expansion, no shell): {@code upper=tr a-z A-Z}.
     *
     * @throws IllegalArgumentException naming the {@code command} key if it is not NAME=ARGV
     */
    public Builder command(String nameEqualsArgv) {
      int eq = nameEqualsArgv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("command: '" + nameEqualsArgv + "' is not NAME=ARGV");
      }
      try {
        return command(nameEqualsArgv.substring(0, eq), ShellWords.split(nameEqualsArgv.substring(eq + 1)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("command: " + nameEqualsArgv.substring(0, eq) + ": " + e.getMessage(), e);
      }
    }
    /** Address-space cap per command process in bytes; 0 for none. */
    public Builder processMemoryBytes(long v) { processMemoryBytes = v; return this; }
    public Builder processOutputCap(long v) { processOutputCap = v; return this; }
    public Builder artifactCap(long v) { artifactCap = v; return this; }
    public Builder dataDir(Path v) { dataDir = v; return this; }
    /** Most bytes of fetched {@code tensor_ref} inputs kept in memory; 0 for none. */
    public Builder dataCacheBytes(long v) { dataCacheBytes = v; return this; }
    /** How long a fetched input is kept. */
    public Builder dataCacheAge(Duration v) { dataCacheAge = v; return this; }

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
              byzantine,
              owner,
              List.copyOf(services),
              llm,
              commands,
              processMemoryBytes,
              processOutputCap,
              artifactCap,
              dataDir,
              dataCacheBytes,
              dataCacheAge)
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
