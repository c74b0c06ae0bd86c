package dev.shoal.client;

/**
 * What a client says a service is (API.md "Services"): its name, operator, config (the model an
 * {@code llm.*} service serves; the allowlisted command, and optionally the container image, a
 * {@code process.run@1} service runs), hardware needs, acceptance policy, payment bounds per task
 * in credits, the longest a task may live, and whether an outside scheduler assigns its tasks.
 *
 * <p>Null means "not sent": on {@code services().create} the orchestrator's default applies (no
 * hardware needs, {@code first_valid}, payments 0..0, one hour, built-in scheduling); on {@code
 * services().update} the service keeps what it has. Config ({@code model}, {@code command},
 * {@code image}) and hardware ({@code minCores}, {@code minMemoryBytes}, {@code accelerator}) are
 * each replaced whole when any of their parts is given: give all of a group's parts that should
 * stay. Immutable; start from {@link #builder} or {@link #changes}.
 *
 * @param acceptance {@code "first_valid"}, {@code "quorum(k of n)"} or {@code "manual"}
 * @param minPayment the least a task may pay, and what it pays when it names no payment
 * @param maxTaskLifetimeMs a task's longest life, from publishing; at most seven days
 */
public record ServiceSpec(
    String name,
    String operator,
    String model,
    String command,
    String image,
    Integer minCores,
    Long minMemoryBytes,
    String accelerator,
    String acceptance,
    Long minPayment,
    Long maxPayment,
    Long maxTaskLifetimeMs,
    Boolean externallyScheduled) {

  /** The longest {@code maxTaskLifetimeMs} the orchestrator takes: seven days. */
  public static final long MAX_TASK_LIFETIME_MS = 7L * 24 * 3600 * 1000;

  public ServiceSpec {
    if (minCores != null && minCores < 0) {
      throw new IllegalArgumentException("minCores must not be negative, got " + minCores);
    }
    if (minMemoryBytes != null && minMemoryBytes < 0) {
      throw new IllegalArgumentException("minMemoryBytes must not be negative, got " + minMemoryBytes);
    }
    if (minPayment != null && minPayment < 0 || maxPayment != null && maxPayment < 0) {
      throw new IllegalArgumentException("payments must not be negative");
    }
    if (minPayment != null && maxPayment != null && minPayment > maxPayment) {
      throw new IllegalArgumentException("minPayment " + minPayment + " is above maxPayment " + maxPayment);
    }
    if (maxTaskLifetimeMs != null && (maxTaskLifetimeMs < 1 || maxTaskLifetimeMs > MAX_TASK_LIFETIME_MS)) {
      throw new IllegalArgumentException("maxTaskLifetimeMs must be in 1.." + MAX_TASK_LIFETIME_MS + ", got " + maxTaskLifetimeMs);
    }
  }

  /** A new service named {@code name} (1..64 of a-z 0-9 . _ -) running {@code operator}. */
  public static Builder builder(String name, String operator) {
    return new Builder().name(name).operator(operator);
  }

  /** Changes to an existing service for {@code services().update}: only what is set is sent. */
  public static Builder changes() {
    return new Builder();
  }

  /** Whether the config group (model, command, image) is given. */
  public boolean hasConfig() {
    return model != null || command != null || image != null;
  }

  /** Whether the hardware group (cores, memory, accelerator) is given. */
  public boolean hasHardware() {
    return minCores != null || minMemoryBytes != null || accelerator != null;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.operator = operator;
    b.model = model;
    b.command = command;
    b.image = image;
    b.minCores = minCores;
    b.minMemoryBytes = minMemoryBytes;
    b.accelerator = accelerator;
    b.acceptance = acceptance;
    b.minPayment = minPayment;
    b.maxPayment = maxPayment;
    b.maxTaskLifetimeMs = maxTaskLifetimeMs;
    b.externallyScheduled = externallyScheduled;
    return b;
  }

  /** Sets any field; {@link #build()} validates. */
  public static final class Builder {
    private String name;
    private String operator;
    private String model;
    private String command;
    private String image;
    private Integer minCores;
    private Long minMemoryBytes;
    private String accelerator;
    private String acceptance;
    private Long minPayment;
    private Long maxPayment;
    private Long maxTaskLifetimeMs;
    private Boolean externallyScheduled;

    private Builder() {}

    public Builder name(String v) { name = v; return this; }
    /** Fixed once the service exists: an update may repeat it, never change it. */
    public Builder operator(String v) { operator = v; return this; }
    /** The model an {@code llm.*} service serves (required for one). */
    public Builder model(String v) { model = v; return this; }
    /** The allowlisted command a {@code process.run@1} service runs (required for one). */
    public Builder command(String v) { command = v; return this; }
    /** A container image for a {@code process.run@1} service's command: kept with the service, not yet run by workers. */
    public Builder image(String v) { image = v; return this; }
    public Builder minCores(Integer v) { minCores = v; return this; }
    public Builder minMemoryBytes(Long v) { minMemoryBytes = v; return this; }
    /** An accelerator kind a worker must have, e.g. {@code gpu}. */
    public Builder accelerator(String v) { accelerator = v; return this; }
    public Builder acceptance(String v) { acceptance = v; return this; }
    public Builder minPayment(Long v) { minPayment = v; return this; }
    public Builder maxPayment(Long v) { maxPayment = v; return this; }
    /** Both payment bounds, in credits per task. */
    public Builder payment(long min, long max) { minPayment = min; maxPayment = max; return this; }
    public Builder maxTaskLifetimeMs(Long v) { maxTaskLifetimeMs = v; return this; }
    /** True: the built-in scheduler leaves its tasks to a fleet's scheduler, which assigns each. */
    public Builder externallyScheduled(Boolean v) { externallyScheduled = v; return this; }

    public ServiceSpec build() {
      return new ServiceSpec(
          name, operator, model, command, image, minCores, minMemoryBytes, accelerator, acceptance, minPayment, maxPayment,
          maxTaskLifetimeMs, externallyScheduled);
    }
  }
}
