package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task of a job: an operator, its inputs ({@link Input}: tensors inline, tensors stored in the
 * data service, or other tasks' outputs), attributes (values are {@code Long}, {@code Integer},
 * {@code Double}, {@code String} or {@code long[]}/{@code int[]}), and optionally its own id,
 * timeout, attempt budget and acceptance policy (null = the job's defaults). Immutable.
 *
 * <pre>{@code
 * TaskSpec a = TaskSpec.of("tensor.add@1", x, y).withId("a");
 * TaskSpec b = TaskSpec.of("tensor.relu@1").withId("b").withInput(Input.from("a"));   // runs on a's output
 * }</pre>
 */
public record TaskSpec(
    String id,
    String operator,
    List<Input> inputs,
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

  /**
   * A task whose inputs are all tensors sent inline, as tasks were before inputs could be
   * references. (A {@code Collection}, so that it does not clash with the canonical constructor.)
   */
  public TaskSpec(
      String id,
      String operator,
      Collection<Tensor> tensors,
      Map<String, Object> attributes,
      Long timeoutMs,
      Integer maxAttempts,
      String acceptance) {
    this(id, operator, tensors.stream().map(Input::of).toList(), attributes, timeoutMs, maxAttempts, acceptance);
  }

  /** A task with the job's default id, timeout and attempts, and no attributes. */
  public static TaskSpec of(String operator, Tensor... inputs) {
    return new TaskSpec(null, operator, List.of(inputs), Map.of(), null, null, null);
  }

  public TaskSpec withId(String newId) {
    return new TaskSpec(newId, operator, inputs, attributes, timeoutMs, maxAttempts, acceptance);
  }

  /**
   * This task with one more input after those it has: {@code Input.from("a")} (task a's output:
   * this task then waits for it), {@code Input.blob(digest, dtype, shape, offset)} or {@code
   * Input.of(tensor)}.
   */
  public TaskSpec withInput(Input input) {
    List<Input> more = new ArrayList<>(inputs);
    more.add(java.util.Objects.requireNonNull(input, "input"));
    return new TaskSpec(id, operator, more, attributes, timeoutMs, maxAttempts, acceptance);
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
