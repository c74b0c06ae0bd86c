package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task to submit: an operator, its input tensors and attributes (values are {@code Long},
 * {@code Integer}, {@code Double}, {@code String} or {@code long[]}/{@code int[]}), and optionally
 * its own id, timeout, attempt budget and acceptance policy (null = the job's defaults). Immutable.
 */
public record TaskSpec(
    String id,
    String operator,
    List<Tensor> inputs,
    Map<String, Object> attributes,
    Long timeoutMs,
    Integer maxAttempts,
    String acceptance) {

  public TaskSpec {
    if (operator == null || operator.isEmpty()) {
      throw new IllegalArgumentException("operator is required");
    }
    inputs = List.copyOf(inputs);
    attributes = Attributes.tensorAttributes(attributes);
  }

  /** A task with the job's default id, timeout and attempts, and no attributes. */
  public static TaskSpec of(String operator, Tensor... inputs) {
    return new TaskSpec(null, operator, List.of(inputs), Map.of(), null, null, null);
  }

  public TaskSpec withId(String newId) {
    return new TaskSpec(newId, operator, inputs, attributes, timeoutMs, maxAttempts, acceptance);
  }

  public TaskSpec withAttribute(String name, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(attributes);
    more.put(name, value);
    return new TaskSpec(id, operator, inputs, more, timeoutMs, maxAttempts, acceptance);
  }

  public TaskSpec withTimeoutMs(long ms) {
    return new TaskSpec(id, operator, inputs, attributes, ms, maxAttempts, acceptance);
  }

  public TaskSpec withMaxAttempts(int n) {
    return new TaskSpec(id, operator, inputs, attributes, timeoutMs, n, acceptance);
  }

  /** This task's acceptance policy: {@code "first_valid"}, {@code "quorum(k of n)"} or {@code "manual"}. */
  public TaskSpec withAcceptance(String policy) {
    return new TaskSpec(id, operator, inputs, attributes, timeoutMs, maxAttempts, policy);
  }
}
