package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.tiling.MatmulTiling;
import dev.shoal.operators.tiling.Tile;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.http.ApiException;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Resources;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a client's JSON submission into a {@link JobPlan}: a list of tasks
 * ({@code {"tasks":[...]}}) or a tiled matrix product ({@code {"matmul":{...}}}). Everything is
 * checked before anything is returned (ids, tensors, attributes, limits, and what each operator
 * says about its inputs), so an accepted plan never fails for a reason the client could have been
 * told up front. Every problem is an {@code invalid_argument} naming the JSON path. Stateless and
 * thread-safe.
 */
public final class JobPlanner {

  /** Client-chosen task ids: one letter or digit, then up to 63 of {@code [A-Za-z0-9._:-]}. */
  public static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

  static final String TASKS_KIND = "tasks";
  static final String MATMUL_OPERATOR = "tensor.matmul@1";
  static final String ADD_OPERATOR = "tensor.add@1";

  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final ProtocolLimits WIRE = ProtocolLimits.DEFAULT;
  static final String BATCH_KIND = "batch";
  static final String MAP_REDUCE_KIND = "map_reduce";
  /** The ways to describe a job's work; a submission has exactly one. */
  private static final Set<String> SHAPES = Set.of("tasks", "matmul", "batch", "map_reduce");
  private static final Set<String> JOB_FIELDS =
      Set.of("tasks", "matmul", "batch", "map_reduce", "timeout_ms", "max_attempts", "deadline_ms", "acceptance");
  private static final Set<String> TASK_FIELDS =
      Set.of("id", "operator", "inputs", "attributes", "timeout_ms", "max_attempts", "acceptance");
  private static final Set<String> MATMUL_FIELDS = Set.of("a", "b", "tile", "tile_rows", "tile_cols", "split_k");
  private static final Set<String> BATCH_FIELDS = Set.of("operator", "items", "attributes");
  private static final Set<String> MAP_REDUCE_FIELDS = Set.of("input", "chunk_rows", "map", "reduce");
  private static final Set<String> MAP_FIELDS = Set.of("operator", "attributes");
  /** At most this many partial products per tile: more would make the reduction the bulk of the job. */
  static final int MAX_SPLIT_K = 64;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final OperatorRegistry registry;
  private final PlannerLimits limits;
  private final PlannedInputs inputs;

  /** A planner without a data service: every input inline, blob inputs refused. */
  public JobPlanner(OperatorRegistry registry) {
    this(registry, PlannerLimits.DEFAULT);
  }

  public JobPlanner(OperatorRegistry registry, PlannerLimits limits) {
    this(registry, limits, null);
  }

  /** Inputs over the inline limit are kept in {@code blobs}, and submissions may name blobs in it. */
  public JobPlanner(OperatorRegistry registry, PlannerLimits limits, BlobStore blobs) {
    this.registry = registry;
    this.limits = limits;
    this.inputs = new PlannedInputs(blobs);
  }

  public PlannerLimits limits() {
    return limits;
  }

  /**
   * Plans a submission.
   *
   * @throws ApiException {@code invalid_argument} naming the first problem found
   */
  public JobPlan plan(JsonNode submission) {
    if (submission == null || !submission.isObject()) {
      throw ApiException.invalidArgument("the submission must be a JSON object with \"tasks\" or \"matmul\"");
    }
    checkFields(submission, JOB_FIELDS, "");
    List<String> shapes = SHAPES.stream().filter(submission::has).sorted().toList();
    if (shapes.size() != 1) {
      throw ApiException.invalidArgument(
          "the submission must have exactly one of \"tasks\", \"matmul\", \"batch\" and \"map_reduce\"");
    }
    long timeout =
        integer(submission, "timeout_ms", "timeout_ms", 1, limits.maxTimeoutMillis(), limits.defaultTimeoutMillis());
    int maxAttempts =
        (int) integer(submission, "max_attempts", "max_attempts", 1, limits.maxAttempts(), limits.defaultMaxAttempts());
    long deadline = integer(submission, "deadline_ms", "deadline_ms", 0, limits.maxDeadlineMillis(), 0);
    Defaults defaults = new Defaults(timeout, maxAttempts, policy(submission, "acceptance", AcceptancePolicy.FIRST_VALID));
    String shape = shapes.getFirst();
    return switch (shape) {
      case "tasks" -> planTasks(submission.get(shape), defaults, deadline);
      case "matmul" -> planMatmul(submission.get(shape), defaults, deadline);
      case "batch" -> planBatch(submission.get(shape), defaults, deadline);
      default -> planMapReduce(submission.get(shape), defaults, deadline);
    };
  }

  private record Defaults(long timeoutMillis, int maxAttempts, AcceptancePolicy policy) {}

  /** An optional acceptance policy ({@code first_valid}, {@code quorum(k of n)}, {@code manual}). */
  static AcceptancePolicy policy(JsonNode parent, String path, AcceptancePolicy fallback) {
    JsonNode v = parent.get("acceptance");
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw ApiException.invalidArgument(path + " must be a string: first_valid, manual or quorum(k of n)");
    }
    try {
      return AcceptancePolicy.parse(v.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(path + ": " + e.getMessage() + ", got '" + TensorJson.printable(v.asText()) + "'");
    }
  }

  // ---------------------------------------------------------------- task lists

  private JobPlan planTasks(JsonNode tasks, Defaults defaults, long deadline) {
    if (!tasks.isArray()) {
      throw ApiException.invalidArgument("tasks must be a list of task objects");
    }
    if (tasks.isEmpty()) {
      throw ApiException.invalidArgument("tasks must not be empty");
    }
    if (tasks.size() > limits.maxTasks()) {
      throw ApiException.invalidArgument(
          "tasks has " + tasks.size() + " entries; a job may have at most " + limits.maxTasks());
    }
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      String path = "tasks[" + i + "]";
      JsonNode t = tasks.get(i);
      if (!t.isObject()) {
        throw ApiException.invalidArgument(path + " must be a task object");
      }
      checkFields(t, TASK_FIELDS, path + ".");
      String id = taskId(t.get("id"), path + ".id", i);
      if (index.putIfAbsent(id, i) != null) {
        throw ApiException.invalidArgument(path + ".id '" + id + "' is used by an earlier task of this job");
      }
    }
    List<String> ids = List.copyOf(index.keySet());
    // Tasks that read other tasks' outputs are planned after them, so their input specs are known.
    PlannedTask[] planned = new PlannedTask[tasks.size()];
    long jobBytes = 0;
    for (int i : TaskGraph.order(tasks, ids, index)) {
      String path = "tasks[" + i + "]";
      JsonNode t = tasks.get(i);
      String id = ids.get(i);
      String where = path + " (id " + id + ")";
      Resolved operator = operator(t.get("operator"), path + ".operator");
      List<Value> wire = new ArrayList<>();
      List<TensorSpec> specs = new ArrayList<>();
      long inlineBytes = graphInputs(t.get("inputs"), path + ".inputs", index, planned, wire, specs);
      long inputBytes = 0;
      for (TensorSpec spec : specs) {
        inputBytes += spec.byteSize();
      }
      checkTaskBytes(inputBytes, where);
      jobBytes = addJobBytes(jobBytes, inlineBytes);
      Map<String, AttributeValue> attributes = attributes(t.get("attributes"), path + ".attributes");
      long timeout = integer(t, "timeout_ms", path + ".timeout_ms", 1, limits.maxTimeoutMillis(), defaults.timeoutMillis());
      int maxAttempts =
          (int) integer(t, "max_attempts", path + ".max_attempts", 1, limits.maxAttempts(), defaults.maxAttempts());
      AcceptancePolicy policy = policy(t, path + ".acceptance", defaults.policy());
      planned[i] = task(id, operator, specs, wire, inputBytes, attributes, timeout, maxAttempts, policy, where);
    }
    ObjectNode spec = MAPPER.createObjectNode().put("tasks", planned.length);
    return new JobPlan(TASKS_KIND, json(spec), List.of(planned), deadline);
  }

  /**
   * A task's inputs: inline tensors, or {@code {"from": id, "output": n}} for another task's
   * output (planned already). Fills {@code wire} and {@code specs}; returns the inline bytes.
   */
  private long graphInputs(
      JsonNode node, String path, Map<String, Integer> index, PlannedTask[] planned, List<Value> wire, List<TensorSpec> specs) {
    if (node == null || !node.isArray()) {
      throw ApiException.invalidArgument(path + " must be a list of tensors or {\"from\": task id}");
    }
    if (node.size() > WIRE.maxValues()) {
      throw ApiException.invalidArgument(path + " has " + node.size() + " inputs; at most " + WIRE.maxValues() + " are allowed");
    }
    long inline = 0;
    for (int i = 0; i < node.size(); i++) {
      JsonNode in = node.get(i);
      String where = path + "[" + i + "]";
      if (in.isObject() && in.has("from")) {
        checkFields(in, TaskGraph.FROM_FIELDS, where + ".");
        String from = in.get("from").textValue();
        int output = (int) integer(in, "output", where + ".output", 0, WIRE.maxValues() - 1, 0);
        List<TensorSpec> outputs = planned[index.get(from)].expectedOutputs();
        if (output >= outputs.size()) {
          throw ApiException.invalidArgument(
              where + ".output " + output + ": task '" + from + "' has " + outputs.size() + " output(s)");
        }
        specs.add(outputs.get(output));
        wire.add(TaskInputs.fromTask(from, output, outputs.get(output)));
      } else {
        PlannedInputs.Input x = inputs.parse(in, where);
        specs.add(x.spec());
        wire.add(x.wire());
        inline += x.inlineBytes();
      }
    }
    return inline;
  }

  private String taskId(JsonNode node, String path, int index) {
    if (node == null) {
      return String.format("t%04d", index);
    }
    if (!node.isTextual() || !TASK_ID.matcher(node.textValue()).matches()) {
      throw ApiException.invalidArgument(
          path + " must be 1..64 characters of [A-Za-z0-9._:-] starting with a letter or digit, got "
              + TensorJson.brief(node));
    }
    return node.textValue();
  }

  /** An operator id as written on the wire, and its implementation. */
  private record Resolved(String name, Operator operator) {}

  private Resolved operator(JsonNode node, String path) {
    if (node == null || !node.isTextual()) {
      throw ApiException.invalidArgument(path + " must be an operator id such as \"tensor.add@1\"");
    }
    OperatorId id;
    try {
      id = OperatorId.parse(node.textValue());
    } catch (IllegalArgumentException | OperatorException e) {
      throw ApiException.invalidArgument(
          path + " '" + TensorJson.printable(node.textValue()) + "' is not an operator id: " + e.getMessage());
    }
    Operator op =
        registry
            .find(id)
            .orElseThrow(() -> ApiException.invalidArgument(path + " '" + id + "' is not a known operator"));
    return new Resolved(id.toString(), op);
  }

  /** Attributes as the wire carries them; the operator check reads them back from this form. */
  private Map<String, AttributeValue> attributes(JsonNode node, String path) {
    Map<String, AttributeValue> wire = new LinkedHashMap<>();
    if (node == null) {
      return wire;
    }
    if (!node.isObject()) {
      throw ApiException.invalidArgument(path + " must be an object of name: value");
    }
    if (node.size() > WIRE.maxAttributes()) {
      throw ApiException.invalidArgument(
          path + " has " + node.size() + " entries; at most " + WIRE.maxAttributes() + " are allowed");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String name = e.getKey();
      String where = path + "." + TensorJson.printable(name);
      if (!ATTRIBUTE_NAME.matcher(name).matches()) {
        throw ApiException.invalidArgument(where + ": attribute names must match [a-z][a-z0-9_]{0,63}");
      }
      JsonNode v = e.getValue();
      if (v.isIntegralNumber()) {
        if (!v.canConvertToLong()) {
          throw ApiException.invalidArgument(where + " is outside the 64-bit integer range");
        }
        wire.put(name, WireTensors.toWire(v.longValue()));
      } else if (v.isFloatingPointNumber()) {
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
          throw ApiException.invalidArgument(where + " is outside the double range");
        }
        wire.put(name, WireTensors.toWire(d));
      } else if (v.isTextual()) {
        if (v.textValue().length() > WIRE.maxStringLength()) {
          throw ApiException.invalidArgument(where + " is longer than " + WIRE.maxStringLength() + " characters");
        }
        wire.put(name, WireTensors.toWire(v.textValue()));
      } else if (v.isArray()) {
        if (v.size() > WIRE.maxAttributeInts()) {
          throw ApiException.invalidArgument(
              where + " has " + v.size() + " values; at most " + WIRE.maxAttributeInts() + " are allowed");
        }
        long[] ints = new long[v.size()];
        for (int i = 0; i < ints.length; i++) {
          JsonNode x = v.get(i);
          if (!x.isIntegralNumber() || !x.canConvertToLong()) {
            throw ApiException.invalidArgument(where + "[" + i + "] must be an integer, got " + TensorJson.brief(x));
          }
          ints[i] = x.longValue();
        }
        wire.put(name, WireTensors.toWire(ints));
      } else {
        throw ApiException.invalidArgument(
            where + " must be an integer, a number, a string or a list of integers, got " + TensorJson.brief(v));
      }
    }
    return wire;
  }

  // ---------------------------------------------------------------- matmul

  private JobPlan planMatmul(JsonNode node, Defaults defaults, long deadline) {
    if (!node.isObject()) {
      throw ApiException.invalidArgument("matmul must be an object {\"a\", \"b\", \"tile\"}");
    }
    checkFields(node, MATMUL_FIELDS, "matmul.");
    Tensor a = TensorJson.parse(node.get("a"), "matmul.a");
    Tensor b = TensorJson.parse(node.get("b"), "matmul.b");
    int[] ad = a.shape().dims();
    int[] bd = b.shape().dims();
    if (ad.length != 2) {
      throw ApiException.invalidArgument("matmul.a.shape must be 2-D [m, k], got rank " + ad.length);
    }
    if (bd.length != 2) {
      throw ApiException.invalidArgument("matmul.b.shape must be 2-D [k, n], got rank " + bd.length);
    }
    if (ad[1] != bd[0]) {
      throw ApiException.invalidArgument(
          "matmul.b.shape [" + bd[0] + ", " + bd[1] + "] does not match matmul.a.shape [" + ad[0] + ", " + ad[1]
              + "]: inner dimensions " + ad[1] + " and " + bd[0] + " differ");
    }
    if (a.dtype() != b.dtype()) {
      throw ApiException.invalidArgument(
          "matmul.b.dtype " + b.dtype().wireName() + " differs from matmul.a.dtype " + a.dtype().wireName());
    }
    int m = ad[0];
    int k = ad[1];
    int n = bd[1];
    if (m < 1 || k < 1 || n < 1) {
      throw ApiException.invalidArgument("matmul dimensions must be positive, got m=" + m + " k=" + k + " n=" + n);
    }
    int tile = (int) integer(node, "tile", "matmul.tile", 1, limits.maxTile(), limits.defaultTile());
    int tileRows = (int) integer(node, "tile_rows", "matmul.tile_rows", 1, limits.maxTile(), tile);
    int tileCols = (int) integer(node, "tile_cols", "matmul.tile_cols", 1, limits.maxTile(), tile);

    int splitK = (int) integer(node, "split_k", "matmul.split_k", 1, Math.min(k, MAX_SPLIT_K), 1);
    int kChunk = (int) ceilDiv(k, splitK);
    int parts = (int) ceilDiv(k, kChunk);
    long tileCount = ceilDiv(m, tileRows) * ceilDiv(n, tileCols);
    long taskCount = tileCount * (2L * parts - 1);
    if (taskCount > limits.maxTasks()) {
      throw ApiException.invalidArgument(
          "matmul with " + tileRows + "x" + tileCols + " tiles" + (parts > 1 ? " split " + parts + " ways over k" : "")
              + " needs " + taskCount + " tasks; a job may have at most " + limits.maxTasks() + " (use larger tiles)");
    }
    int elementBytes = TensorJson.elementBytes(a.dtype());
    long largestTaskBytes =
        ((long) Math.min(tileRows, m) * kChunk + (long) kChunk * Math.min(tileCols, n)) * elementBytes;
    if (largestTaskBytes > limits.maxTaskInputBytes()) {
      throw ApiException.invalidArgument(
          "matmul tiles of " + tileRows + "x" + tileCols + " with k=" + kChunk + " give tasks of " + largestTaskBytes
              + " input bytes; at most " + limits.maxTaskInputBytes() + " are allowed (use smaller tiles)");
    }
    long jobBytes =
        ((long) n * ceilDiv(m, tileRows) * k + (long) m * ceilDiv(n, tileCols) * k) * elementBytes;
    if (jobBytes > limits.maxJobInputBytes()) {
      throw ApiException.invalidArgument(
          "matmul tiles of " + tileRows + "x" + tileCols + " copy " + jobBytes + " input bytes into tasks; at most "
              + limits.maxJobInputBytes() + " are allowed (use larger tiles)");
    }

    Resolved matmul = known(MATMUL_OPERATOR);
    Resolved add = known(ADD_OPERATOR);
    List<Tile> tiles = MatmulTiling.plan(m, n, tileRows, tileCols);
    // Every tile in a row of tiles needs the same block of a, every tile in a column the same
    // block of b: cut and encode each block once and share the (immutable) wire message.
    Map<Long, PlannedInputs.Input> aBlocks = new HashMap<>();
    Map<Long, PlannedInputs.Input> bBlocks = new HashMap<>();
    Map<String, AttributeValue> none = Map.of();
    List<PlannedTask> planned = new ArrayList<>(Math.toIntExact(taskCount));
    for (int i = 0; i < tiles.size(); i++) {
      Tile t = tiles.get(i);
      String id = String.format("tile-%04d", i);
      List<String> partials = new ArrayList<>(parts);
      TensorSpec partial = null;
      for (int p = 0; p < parts; p++) {
        int k0 = p * kChunk;
        int k1 = Math.min(k, k0 + kChunk);
        PlannedInputs.Input rows =
            aBlocks.computeIfAbsent(
                ((long) t.rowFrom() << 32) | p,
                x -> inputs.of(parts == 1 ? a.rowBlock(t.rowFrom(), t.rowTo()) : a.rowBlock(t.rowFrom(), t.rowTo()).columnBlock(k0, k1)));
        PlannedInputs.Input cols =
            bBlocks.computeIfAbsent(
                ((long) t.colFrom() << 32) | p,
                x -> inputs.of(parts == 1 ? b.columnBlock(t.colFrom(), t.colTo()) : b.rowBlock(k0, k1).columnBlock(t.colFrom(), t.colTo())));
        String partId = parts == 1 ? id : String.format("%s.k%02d", id, p);
        PlannedTask task =
            task(
                partId, matmul, List.of(rows.spec(), cols.spec()), List.of(rows.wire(), cols.wire()),
                rows.spec().byteSize() + cols.spec().byteSize(), none, defaults.timeoutMillis(), defaults.maxAttempts(),
                defaults.policy(), "matmul tile " + partId);
        planned.add(task);
        partials.add(partId);
        partial = task.expectedOutputs().getFirst();
      }
      // The partial products of a tile add up, pairwise, to the tile itself.
      planned.addAll(reduceTree(partials, partial, add, id, id + ".sum", defaults, "matmul tile " + id));
    }
    MatmulSpec spec = new MatmulSpec(m, k, n, a.dtype(), tileRows, tileCols);
    return new JobPlan(MatmulSpec.KIND, spec.toJson(), List.copyOf(planned), deadline);
  }

  // ---------------------------------------------------------------- batch

  /**
   * One task per item (scatter): {@code {"operator", "items": [[inputs...] or one tensor, ...],
   * "attributes"}}. Task {@code item-0003} runs the operator on item 3.
   */
  private JobPlan planBatch(JsonNode node, Defaults defaults, long deadline) {
    if (!node.isObject()) {
      throw ApiException.invalidArgument("batch must be an object {\"operator\", \"items\", \"attributes\"}");
    }
    checkFields(node, BATCH_FIELDS, "batch.");
    Resolved operator = operator(node.get("operator"), "batch.operator");
    Map<String, AttributeValue> attributes = attributes(node.get("attributes"), "batch.attributes");
    JsonNode items = node.get("items");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw ApiException.invalidArgument("batch.items must be a non-empty list of items (each a list of inputs or one tensor)");
    }
    if (items.size() > limits.maxTasks()) {
      throw ApiException.invalidArgument(
          "batch.items has " + items.size() + " entries; a job may have at most " + limits.maxTasks() + " tasks");
    }
    List<PlannedTask> planned = new ArrayList<>(items.size());
    long jobBytes = 0;
    for (int i = 0; i < items.size(); i++) {
      String path = "batch.items[" + i + "]";
      JsonNode item = items.get(i);
      List<JsonNode> values = new ArrayList<>();
      if (item.isArray()) {
        item.forEach(values::add);
      } else {
        values.add(item);
      }
      if (values.size() > WIRE.maxValues()) {
        throw ApiException.invalidArgument(path + " has " + values.size() + " inputs; at most " + WIRE.maxValues() + " are allowed");
      }
      List<TensorSpec> specs = new ArrayList<>(values.size());
      List<Value> wire = new ArrayList<>(values.size());
      long bytes = 0;
      for (int k = 0; k < values.size(); k++) {
        PlannedInputs.Input in = inputs.parse(values.get(k), item.isArray() ? path + "[" + k + "]" : path);
        specs.add(in.spec());
        wire.add(in.wire());
        bytes += in.spec().byteSize();
        jobBytes = addJobBytes(jobBytes, in.inlineBytes());
      }
      String id = String.format("item-%04d", i);
      checkTaskBytes(bytes, path);
      planned.add(
          task(id, operator, specs, wire, bytes, attributes, defaults.timeoutMillis(), defaults.maxAttempts(), defaults.policy(), path));
    }
    ObjectNode spec = MAPPER.createObjectNode().put("items", planned.size()).put("operator", operator.name());
    return new JobPlan(BATCH_KIND, json(spec), List.copyOf(planned), deadline);
  }

  // ---------------------------------------------------------------- map-reduce

  /**
   * A dataset split along its first axis into chunks of {@code chunk_rows}: one map task per chunk
   * ({@code map-0000}), then the map outputs combined pairwise by a binary {@code reduce}
   * operator up to one task, {@code result}. An input in the data service is split by byte
   * ranges: no chunk is copied, each worker fetches only its own rows.
   */
  private JobPlan planMapReduce(JsonNode node, Defaults defaults, long deadline) {
    if (!node.isObject()) {
      throw ApiException.invalidArgument("map_reduce must be an object {\"input\", \"chunk_rows\", \"map\", \"reduce\"}");
    }
    checkFields(node, MAP_REDUCE_FIELDS, "map_reduce.");
    JsonNode in = node.get("input");
    PlannedInputs.BlobTensor blob = in != null && in.isObject() && in.has("blob") ? inputs.blob(in, "map_reduce.input") : null;
    Tensor inline = blob == null ? TensorJson.parse(in, "map_reduce.input") : null;
    TensorSpec whole = blob != null ? blob.spec() : inline.spec();
    if (whole.shape().rank() < 1 || whole.shape().dim(0) < 1) {
      throw ApiException.invalidArgument("map_reduce.input must have at least one row (rank >= 1), got shape " + whole.shape());
    }
    int rows = whole.shape().dim(0);
    int chunkRows = (int) integer(node, "chunk_rows", "map_reduce.chunk_rows", 1, rows, rows);
    int chunks = (int) ceilDiv(rows, chunkRows);
    if (2L * chunks - 1 > limits.maxTasks()) {
      throw ApiException.invalidArgument(
          "map_reduce with chunk_rows " + chunkRows + " needs " + (2L * chunks - 1) + " tasks; a job may have at most "
              + limits.maxTasks() + " (use larger chunks)");
    }
    JsonNode map = node.get("map");
    if (map == null || !map.isObject()) {
      throw ApiException.invalidArgument("map_reduce.map must be an object {\"operator\", \"attributes\"}");
    }
    checkFields(map, MAP_FIELDS, "map_reduce.map.");
    Resolved mapOp = operator(map.get("operator"), "map_reduce.map.operator");
    Map<String, AttributeValue> mapAttributes = attributes(map.get("attributes"), "map_reduce.map.attributes");
    Resolved reduce = operator(node.get("reduce"), "map_reduce.reduce");

    com.google.protobuf.ByteString bytes = inline == null ? null : com.google.protobuf.ByteString.copyFrom(inline.toLittleEndianBytes());
    List<PlannedTask> planned = new ArrayList<>(2 * chunks - 1);
    List<String> mapped = new ArrayList<>(chunks);
    TensorSpec out = null;
    long jobBytes = 0;
    for (int c = 0; c < chunks; c++) {
      int from = c * chunkRows;
      int to = Math.min(rows, from + chunkRows);
      PlannedInputs.Input chunk =
          blob != null ? inputs.rows(blob, from, to, "map_reduce.input") : inputs.rows(inline, bytes, from, to);
      jobBytes = addJobBytes(jobBytes, chunk.inlineBytes());
      String id = String.format("map-%04d", c);
      checkTaskBytes(chunk.spec().byteSize(), "map_reduce chunk " + id);
      PlannedTask task =
          task(
              id, mapOp, List.of(chunk.spec()), List.of(chunk.wire()), chunk.spec().byteSize(), mapAttributes,
              defaults.timeoutMillis(), defaults.maxAttempts(), defaults.policy(), "map_reduce.map on chunk " + id);
      List<TensorSpec> outputs = task.expectedOutputs();
      if (outputs.size() != 1) {
        throw ApiException.invalidArgument("map_reduce.map.operator must have one output; " + mapOp.name() + " has " + outputs.size());
      }
      if (out != null && !out.equals(outputs.getFirst())) {
        throw ApiException.invalidArgument(
            "map_reduce: chunk " + id + " maps to " + outputs.getFirst().shape() + " but chunk map-0000 to " + out.shape()
                + "; the reduce needs equal shapes (choose chunk_rows dividing " + rows + ", or a map that drops the rows)");
      }
      out = outputs.getFirst();
      planned.add(task);
      mapped.add(id);
    }
    List<PlannedTask> tree = reduceTree(mapped, out, reduce, "result", "reduce", defaults, "map_reduce.reduce");
    planned.addAll(tree);
    String resultTask = tree.isEmpty() ? mapped.getFirst() : "result";
    ObjectNode spec =
        MAPPER.createObjectNode().put("chunks", chunks).put("chunk_rows", chunkRows).put("result_task", resultTask);
    return new JobPlan(MAP_REDUCE_KIND, json(spec), List.copyOf(planned), deadline);
  }

  /**
   * Tasks combining {@code leaves} pairwise with a binary operator, level by level, into one task
   * named {@code rootId} (intermediate ones {@code prefix-L-i}). Empty for a single leaf: it is
   * the result already. Pairing neighbours keeps the order of floating-point additions fixed.
   */
  private List<PlannedTask> reduceTree(
      List<String> leaves, TensorSpec spec, Resolved op, String rootId, String prefix, Defaults defaults, String where) {
    List<PlannedTask> out = new ArrayList<>();
    List<String> level = leaves;
    int depth = 1;
    while (level.size() > 1) {
      List<String> next = new ArrayList<>((level.size() + 1) / 2);
      for (int i = 0; i + 1 < level.size(); i += 2) {
        String id = level.size() == 2 ? rootId : String.format("%s-%d-%04d", prefix, depth, i / 2);
        Value x = TaskInputs.fromTask(level.get(i), 0, spec);
        Value y = TaskInputs.fromTask(level.get(i + 1), 0, spec);
        PlannedTask t =
            task(
                id, op, List.of(spec, spec), List.of(x, y), 2 * spec.byteSize(), Map.of(), defaults.timeoutMillis(),
                defaults.maxAttempts(), defaults.policy(), where + " (" + id + ")");
        if (!t.expectedOutputs().equals(List.of(spec))) {
          throw ApiException.invalidArgument(
              where + ": " + op.name() + " turns two " + spec.shape() + " inputs into " + t.expectedOutputs()
                  + "; a reduce must keep the shape");
        }
        out.add(t);
        next.add(id);
      }
      if (level.size() % 2 == 1) {
        next.add(level.getLast());
      }
      level = next;
      depth++;
    }
    return out;
  }

  private Resolved known(String operator) {
    return new Resolved(
        operator,
        registry
            .find(OperatorId.parse(operator))
            .orElseThrow(() -> ApiException.invalidArgument("operator " + operator + " is not available")));
  }

  // ---------------------------------------------------------------- shared

  private PlannedTask task(
      String id,
      Resolved op,
      List<TensorSpec> inputSpecs,
      List<Value> inputs,
      long inputBytes,
      Map<String, AttributeValue> attributes,
      long timeout,
      int maxAttempts,
      AcceptancePolicy policy,
      String where) {
    List<TensorSpec> outputs;
    try {
      // Checked against the attributes exactly as a worker will decode them from the wire.
      outputs = List.copyOf(op.operator().outputSpecs(inputSpecs, WireTensors.fromWire(attributes)));
    } catch (OperatorException | IllegalArgumentException e) {
      // Operator messages already name the operator ("tensor.add@1: shapes ... differ").
      throw ApiException.invalidArgument(where + ": " + e.getMessage());
    }
    long outputBytes = 0;
    for (TensorSpec s : outputs) {
      outputBytes += s.byteSize();
    }
    TaskDescriptor.Builder d =
        TaskDescriptor.newBuilder()
            .setOperator(op.name())
            .setTimeoutMs(timeout)
            .setResources(Resources.newBuilder().setMemoryBytes(inputBytes + outputBytes))
            .addAllInputs(inputs);
    d.putAllAttributes(attributes);
    return new PlannedTask(id, d.build(), maxAttempts, outputs, policy);
  }

  private void checkTaskBytes(long bytes, String where) {
    if (bytes > limits.maxTaskInputBytes()) {
      throw ApiException.invalidArgument(
          where + " has " + bytes + " input bytes; a task may have at most " + limits.maxTaskInputBytes());
    }
  }

  private long addJobBytes(long sum, long bytes) {
    long total = sum + bytes;
    if (total > limits.maxJobInputBytes()) {
      throw ApiException.invalidArgument(
          "the tasks' inputs add up to more than " + limits.maxJobInputBytes() + " bytes, the most a job may hold");
    }
    return total;
  }

  /** An optional integer field in {@code [min, max]}, or {@code fallback} when absent. */
  static long integer(JsonNode parent, String field, String path, long min, long max, long fallback) {
    JsonNode v = parent.get(field);
    if (v == null) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
      throw ApiException.invalidArgument(path + " must be an integer in " + min + ".." + max + ", got " + TensorJson.brief(v));
    }
    return v.longValue();
  }

  static void checkFields(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.invalidArgument(
            prefix + TensorJson.printable(name) + " is not a known field; expected one of " + new TreeSet<>(allowed));
      }
    }
  }

  private static long ceilDiv(int a, int b) {
    return (a + (long) b - 1) / b;
  }

  private static byte[] json(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
