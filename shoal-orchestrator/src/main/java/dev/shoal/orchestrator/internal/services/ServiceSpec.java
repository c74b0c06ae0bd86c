package dev.shoal.orchestrator.internal.services;

import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import java.util.regex.Pattern;

/**
 * What a client says a service is, validated: its name, operator, config (the model an llm.*
 * service serves, the allowlisted command or container image a process.run@1 service runs),
 * hardware needs, acceptance policy, payment bounds per task and longest task lifetime, and
 * whether an outside scheduler assigns its tasks.
 */
public record ServiceSpec(
    String name,
    String operator,
    String model,
    String command,
    String image,
    int minCores,
    long minMemoryBytes,
    String accelerator,
    AcceptancePolicy acceptance,
    long minPayment,
    long maxPayment,
    long maxLifetimeMillis,
    boolean externallyScheduled) {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  static final Pattern OPERATOR = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+@[1-9][0-9]{0,3}");
  public static final long MAX_LIFETIME_MILLIS = 7L * 24 * 3600 * 1000;
  public static final long DEFAULT_LIFETIME_MILLIS = 3600 * 1000;

  /** @throws IllegalArgumentException naming the first field that is wrong */
  public ServiceSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1..64 of a-z 0-9 . _ - starting with a letter or digit");
    }
    if (operator == null || !OPERATOR.matcher(operator).matches()) {
      throw new IllegalArgumentException("operator must look like tensor.matmul@1 or llm.chat@1");
    }
    if (operator.startsWith("llm.") && (model == null || model.isBlank())) {
      throw new IllegalArgumentException("an llm.* service needs config.model");
    }
    if (model != null && (model.length() > 256 || model.chars().anyMatch(Character::isISOControl))) {
      throw new IllegalArgumentException("config.model must be at most 256 characters");
    }
    if (command != null && !COMMAND.matcher(command).matches()) {
      throw new IllegalArgumentException("config.command must be an allowlisted command's name (A-Z a-z 0-9 . _ -)");
    }
    if (image != null && (image.isBlank() || image.length() > 512 || image.chars().anyMatch(c -> c <= ' '))) {
      throw new IllegalArgumentException("config.image must be a container image reference without spaces");
    }
    if (operator.equals("process.run@1") && command == null) {
      throw new IllegalArgumentException("a process.run@1 service needs config.command (the allowlisted command)");
    }
    if (!operator.equals("process.run@1") && (command != null || image != null)) {
      throw new IllegalArgumentException("config.command and config.image are for process.run@1 services");
    }
    if (minCores < 0 || minCores > 65_536 || minMemoryBytes < 0) {
      throw new IllegalArgumentException("hardware.min_cores must be 0..65536 and hardware.min_memory_bytes >= 0");
    }
    if (accelerator != null && (accelerator.isBlank() || accelerator.length() > 64)) {
      throw new IllegalArgumentException("hardware.accelerator must be 1..64 characters");
    }
    if (acceptance == null) {
      acceptance = AcceptancePolicy.FIRST_VALID;
    }
    if (minPayment < 0 || maxPayment < minPayment) {
      throw new IllegalArgumentException("payment bounds must satisfy 0 <= min_payment <= max_payment");
    }
    if (maxLifetimeMillis < 1 || maxLifetimeMillis > MAX_LIFETIME_MILLIS) {
      throw new IllegalArgumentException("max_task_lifetime_ms must be 1.." + MAX_LIFETIME_MILLIS);
    }
  }
}
