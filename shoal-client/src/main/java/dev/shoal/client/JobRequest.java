package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A job to submit: its work in one of the four shapes of API.md "Jobs" ({@link #tasks} — a list,
 * or a graph when tasks read each other's outputs; {@link #matmul} — a tiled product C = A·B,
 * optionally split over k; {@link #batch} — one operator over many items; {@link #mapReduce} — an
 * operator over row chunks of one tensor, inline or stored, combined pairwise), with optional
 * job-wide defaults (null = the orchestrator's), including how results are accepted ({@code
 * first_valid}, {@code quorum(k of n)} or {@code manual}). Immutable.
 *
 * <pre>{@code
 * BlobInfo data = shoal.blobs().put(Path.of("rows.bin"));
 * JobRequest sums = JobRequest.mapReduce(data.asTensor(DType.INT32, Shape.of(65536, 128), 0), 4096,
 *     "tensor.reduce_sum@1", Map.of("axis", 0), "tensor.add@1");
 * }</pre>
 */
public record JobRequest(Work work, Long timeoutMs, Integer maxAttempts, Long deadlineMs, String acceptance) {

  public JobRequest {
    Objects.requireNonNull(work, "work");
  }

  /** What a job does: one of the four shapes. */
  public sealed interface Work permits Tasks, Matmul, Batch, MapReduce {}

  /** Tasks as listed; a task reading {@link Input#from another's output} waits for it. */
  public record Tasks(List<TaskSpec> tasks) implements Work {
    public Tasks {
      tasks = List.copyOf(tasks);
    }
  }

  /**
   * C = a·b, one task per {@code tileRows × tileCols} output tile (null: the orchestrator's
   * default); with {@code splitK} s > 1 each tile is s partial products over the shared dimension,
   * added pairwise.
   */
  public record Matmul(Tensor a, Tensor b, Integer tileRows, Integer tileCols, Integer splitK) implements Work {
    public Matmul {
      Objects.requireNonNull(a, "a");
      Objects.requireNonNull(b, "b");
    }
  }

  /**
   * {@code operator} with {@code attributes} once per item (tasks {@code item-0000}, …); an item
   * is the list of that task's inputs, each a tensor inline or stored.
   */
  public record Batch(String operator, List<List<Input>> items, Map<String, Object> attributes) implements Work {
    public Batch {
      requireOperator(operator, "operator");
      items = items.stream().map(List::copyOf).toList();
      for (List<Input> item : items) {
        for (Input in : item) {
          if (in instanceof Input.FromTask) {
            throw new IllegalArgumentException("a batch item is tensors, inline or stored; reading a task is for a task list");
          }
        }
      }
      attributes = Attributes.tensorAttributes(attributes);
    }
  }

  /**
   * {@code mapOperator} with {@code mapAttributes} over each {@code chunkRows} rows of {@code input}
   * (tasks {@code map-0000}, …), then the map outputs combined pairwise by the binary {@code
   * reduce} operator into task {@code result}. The input is a tensor inline or stored; stored, it
   * is split by byte ranges and nothing is copied.
   */
  public record MapReduce(Input input, int chunkRows, String mapOperator, Map<String, Object> mapAttributes, String reduce)
      implements Work {
    public MapReduce {
      if (input instanceof Input.FromTask || input == null) {
        throw new IllegalArgumentException("a map_reduce reads a tensor, inline or stored");
      }
      if (chunkRows < 1) {
        throw new IllegalArgumentException("chunkRows must be at least 1, got " + chunkRows);
      }
      requireOperator(mapOperator, "mapOperator");
      requireOperator(reduce, "reduce");
      mapAttributes = Attributes.tensorAttributes(mapAttributes);
    }
  }

  public static JobRequest tasks(List<TaskSpec> tasks) {
    return new JobRequest(new Tasks(tasks), null, null, null, null);
  }

  /** C = a·b cut into {@code tile × tile} output tiles, one task each. */
  public static JobRequest matmul(Tensor a, Tensor b, int tile) {
    return matmul(a, b, tile, tile);
  }

  public static JobRequest matmul(Tensor a, Tensor b, int tileRows, int tileCols) {
    return new JobRequest(new Matmul(a, b, tileRows, tileCols, null), null, null, null, null);
  }

  /**
   * C = a·b in {@code tileRows × tileCols} tiles, each the sum of {@code splitK} partial products
   * over k (more, smaller tasks for a long shared dimension).
   */
  public static JobRequest matmul(Tensor a, Tensor b, int tileRows, int tileCols, int splitK) {
    return new JobRequest(new Matmul(a, b, tileRows, tileCols, splitK), null, null, null, null);
  }

  /** One task per item ({@code item-0000}, …), each {@code operator} over that item's inputs. */
  public static JobRequest batch(String operator, List<List<Input>> items, Map<String, ?> attributes) {
    return new JobRequest(new Batch(operator, items, Attributes.tensorAttributes(attributes)), null, null, null, null);
  }

  /** A map-reduce over a tensor sent inline (the orchestrator stores it if it is over 1 MiB). */
  public static JobRequest mapReduce(
      Tensor input, int chunkRows, String mapOperator, Map<String, ?> mapAttributes, String reduce) {
    return new JobRequest(
        new MapReduce(Input.of(input), chunkRows, mapOperator, Attributes.tensorAttributes(mapAttributes), reduce),
        null, null, null, null);
  }

  /** A map-reduce over a tensor in the data service: each map task fetches only its own rows. */
  public static JobRequest mapReduce(
      StoredTensor input, int chunkRows, String mapOperator, Map<String, ?> mapAttributes, String reduce) {
    return new JobRequest(
        new MapReduce(input, chunkRows, mapOperator, Attributes.tensorAttributes(mapAttributes), reduce),
        null, null, null, null);
  }

  public JobRequest withTimeoutMs(long ms) {
    return new JobRequest(work, ms, maxAttempts, deadlineMs, acceptance);
  }

  public JobRequest withMaxAttempts(int n) {
    return new JobRequest(work, timeoutMs, n, deadlineMs, acceptance);
  }

  /** Unfinished tasks expire this long after the job is accepted. */
  public JobRequest withDeadlineMs(long ms) {
    return new JobRequest(work, timeoutMs, maxAttempts, ms, acceptance);
  }

  /**
   * How every task's result is accepted, unless a task says otherwise: {@code "first_valid"},
   * {@code "quorum(2 of 3)"} or {@code "manual"} (then {@link ShoalClient#confirm} picks one).
   */
  public JobRequest withAcceptance(String policy) {
    return new JobRequest(work, timeoutMs, maxAttempts, deadlineMs, policy);
  }

  private static void requireOperator(String operator, String what) {
    if (operator == null || operator.isEmpty()) {
      throw new IllegalArgumentException(what + " is required");
    }
  }
}
