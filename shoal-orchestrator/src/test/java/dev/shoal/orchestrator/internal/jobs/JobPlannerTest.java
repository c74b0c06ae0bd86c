package dev.shoal.orchestrator.internal.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.http.ApiException;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobPlannerTest {

  static final ObjectMapper MAPPER = new ObjectMapper();
  /** The reduction the standard registry offers; it needs an {@code axis} attribute. */
  static final String REDUCE = "tensor.reduce_sum@1";

  private final JobPlanner planner = new JobPlanner(OperatorRegistry.standard());

  /** JSON written with single quotes, for readable test data. */
  static JsonNode json(String singleQuoted) {
    try {
      return MAPPER.readTree(singleQuoted.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(singleQuoted, e);
    }
  }

  static Tensor random(int rows, int cols, long seed) {
    Random r = new Random(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return Tensor.float32(Shape.of(rows, cols), v);
  }

  static ObjectNode matmulJob(Tensor a, Tensor b, int tile) {
    ObjectNode job = MAPPER.createObjectNode();
    ObjectNode m = job.putObject("matmul");
    m.set("a", TensorJson.toNode(a, TensorJson.Format.DATA));
    m.set("b", TensorJson.toNode(b, TensorJson.Format.DATA));
    m.put("tile", tile);
    return job;
  }

  private static Tensor input(PlannedTask t, int i) {
    return WireTensors.fromWire(t.template().getInputs(i).getTensor());
  }

  private static void assertSameTensor(Tensor actual, Tensor expected) {
    assertThat(actual.dtype()).isEqualTo(expected.dtype());
    assertThat(actual.shape().dims()).containsExactly(expected.shape().dims());
    assertThat(actual.toLittleEndianBytes()).isEqualTo(expected.toLittleEndianBytes());
  }

  @Test
  void plansATaskListWithDefaultsAndOverrides() {
    JobPlan plan =
        planner.plan(
            json(
                """
                {'tasks': [
                   {'operator': 'tensor.add@1',
                    'inputs': [{'dtype': 'float32', 'shape': [2, 3], 'values': [1, 2, 3, 4, 5, 6]},
                               {'dtype': 'float32', 'shape': [2, 3], 'values': [6, 5, 4, 3, 2, 1]}]},
                   {'id': 'sum-rows', 'operator': '%s', 'timeout_ms': 5000, 'max_attempts': 7,
                    'inputs': [{'dtype': 'int32', 'shape': [2, 2], 'values': [1, 2, 3, 4]}],
                    'attributes': {'axis': 1}}],
                 'max_attempts': 2, 'deadline_ms': 120000}
                """
                    .formatted(REDUCE)));

    assertThat(plan.kind()).isEqualTo("tasks");
    assertThat(plan.deadlineMillis()).isEqualTo(120_000);
    assertThat(plan.tasks()).extracting(PlannedTask::taskId).containsExactly("t0000", "sum-rows");

    PlannedTask add = plan.tasks().get(0);
    TaskDescriptor d = add.template();
    assertThat(d.getOperator()).isEqualTo("tensor.add@1");
    assertThat(d.hasAttempt()).isFalse();
    assertThat(d.getTimeoutMs()).isEqualTo(60_000);
    assertThat(add.maxAttempts()).isEqualTo(2);
    assertThat(d.getInputsCount()).isEqualTo(2);
    assertSameTensor(input(add, 0), Tensor.float32(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6}));
    assertThat(add.expectedOutputs()).containsExactly(new TensorSpec(DType.FLOAT32, Shape.of(2, 3)));
    assertThat(d.getResources().getMemoryBytes()).isEqualTo(3 * 24);

    PlannedTask sum = plan.tasks().get(1);
    assertThat(sum.template().getTimeoutMs()).isEqualTo(5_000);
    assertThat(sum.maxAttempts()).isEqualTo(7);
    assertThat(sum.template().getAttributesMap())
        .containsEntry("axis", AttributeValue.newBuilder().setIntValue(1).build());
    assertThat(sum.expectedOutputs()).hasSize(1);
    assertThat(sum.expectedOutputs().get(0).dtype()).isEqualTo(DType.INT32);
  }

  @Test
  void aTaskReadingAnotherTasksOutputGetsItsSpecAndAPlaceholder() {
    JobPlan plan =
        planner.plan(
            json(
                "{'tasks': [{'id': 'sum', 'operator': 'tensor.add@1', 'inputs': [{'from': 'pair'}, {'dtype': 'float32',"
                    + " 'shape': [2], 'values': [5, 6]}]}, {'id': 'pair', 'operator': 'tensor.add@1', 'inputs': ["
                    + "{'dtype': 'float32', 'shape': [2], 'values': [1, 2]}, {'dtype': 'float32', 'shape': [2], 'values': [3, 4]}]}]}"));
    assertThat(plan.tasks()).extracting(PlannedTask::taskId).as("submission order kept").containsExactly("sum", "pair");
    PlannedTask sum = plan.tasks().getFirst();
    assertThat(TaskInputs.upstream(sum.template().getInputs(0))).isEqualTo(new TaskInputs.Upstream("pair", 0));
    assertThat(sum.expectedOutputs()).singleElement()
        .satisfies(o -> assertThat(o.shape().dims()).containsExactly(2));
    assertThat(sum.template().getResources().getMemoryBytes()).as("the input read from pair counts").isEqualTo(8 + 8 + 8);
  }

  @Test
  void acceptancePoliciesDefaultPerJobAndCanBeSetPerTask() {
    JobPlan plan =
        planner.plan(
            json(
                "{'acceptance': 'quorum(2 of 3)', 'tasks': [" + named("a") + ", "
                    + named("b").replace("{'id'", "{'acceptance': 'Manual', 'id'") + "]}"));
    assertThat(plan.tasks()).extracting(t -> t.policy().toString()).containsExactly("quorum(2 of 3)", "manual");
    JobPlan defaults = planner.plan(json(task("")));
    assertThat(defaults.tasks().getFirst().policy()).isEqualTo(AcceptancePolicy.FIRST_VALID);
    JobPlan matmul =
        planner.plan(
            json(
                "{'acceptance': 'quorum(2/2)', 'matmul': {'a': {'dtype': 'float32', 'shape': [2, 2], 'values': [1,2,3,4]},"
                    + " 'b': {'dtype': 'float32', 'shape': [2, 2], 'values': [1,2,3,4]}, 'tile': 1}}"));
    assertThat(matmul.tasks()).hasSize(4).allMatch(t -> t.policy().equals(AcceptancePolicy.quorum(2, 2)));
  }

  @Test
  void convertsEveryAttributeKind() {
    // shoal.noop@1 takes any attributes; real operators refuse ones they do not know.
    JobPlan plan =
        planner.plan(
            json(
                """
                {'tasks': [{'operator': 'shoal.noop@1', 'inputs': [{'dtype': 'float32', 'shape': [2], 'values': [1, 2]}],
                            'attributes': {'axis': 0, 'scale': 0.5, 'mode': 'fast', 'perm': [1, 0]}}]}
                """));

    var attributes = plan.tasks().get(0).template().getAttributesMap();
    assertThat(attributes.get("axis").getIntValue()).isZero();
    assertThat(attributes.get("scale").getFloatValue()).isEqualTo(0.5);
    assertThat(attributes.get("mode").getStringValue()).isEqualTo("fast");
    assertThat(attributes.get("perm").getInts().getValuesList()).containsExactly(1L, 0L);
  }

  @Test
  void anAttributeTheOperatorDoesNotKnowIsRefused() {
    assertThatThrownBy(
            () ->
                planner.plan(
                    json(
                        """
                        {'tasks': [{'operator': '%s', 'inputs': [{'dtype': 'float32', 'shape': [2], 'values': [1, 2]}],
                                    'attributes': {'axis': 0, 'mode': 'fast'}}]}
                        """
                            .formatted(REDUCE))))
        .hasMessageContaining("unknown attribute 'mode'");
  }

  @Test
  void matmulOf512By512WithTile64IsSixtyFourTasksOfTheRightBlocks() {
    Tensor a = random(512, 512, 1);
    Tensor b = random(512, 512, 2);

    JobPlan plan = planner.plan(matmulJob(a, b, 64));

    assertThat(plan.kind()).isEqualTo("matmul");
    assertThat(plan.tasks()).hasSize(64);
    for (int i = 0; i < 64; i++) {
      PlannedTask t = plan.tasks().get(i);
      int row = i / 8;
      int col = i % 8;
      assertThat(t.taskId()).isEqualTo(String.format("tile-%04d", i));
      assertThat(t.template().getOperator()).isEqualTo("tensor.matmul@1");
      assertSameTensor(input(t, 0), a.rowBlock(row * 64, row * 64 + 64));
      assertSameTensor(input(t, 1), b.columnBlock(col * 64, col * 64 + 64));
      assertThat(t.expectedOutputs()).containsExactly(new TensorSpec(DType.FLOAT32, Shape.of(64, 64)));
      assertThat(t.template().getResources().getMemoryBytes()).isEqualTo((64 * 512 * 2 + 64 * 64) * 4L);
    }
    JsonNode spec = json(new String(plan.spec(), java.nio.charset.StandardCharsets.UTF_8));
    assertThat(spec).isEqualTo(json("{'m': 512, 'k': 512, 'n': 512, 'dtype': 'float32', 'tile_rows': 64, 'tile_cols': 64}"));
  }

  @Test
  void matmulEdgeTilesAreSmaller() {
    Tensor a = random(100, 70, 3);
    Tensor b = random(70, 30, 4);

    JobPlan plan = planner.plan(matmulJob(a, b, 32));

    // ceil(100 / 32) = 4 tile rows, ceil(30 / 32) = 1 tile column.
    assertThat(plan.tasks()).hasSize(4);
    int[] rowsFrom = {0, 32, 64, 96};
    for (int i = 0; i < 4; i++) {
      PlannedTask t = plan.tasks().get(i);
      int to = Math.min(100, rowsFrom[i] + 32);
      assertSameTensor(input(t, 0), a.rowBlock(rowsFrom[i], to));
      assertSameTensor(input(t, 1), b.columnBlock(0, 30));
      assertThat(t.expectedOutputs()).containsExactly(new TensorSpec(DType.FLOAT32, Shape.of(to - rowsFrom[i], 30)));
    }
    assertThat(input(plan.tasks().get(3), 0).shape().dims()).containsExactly(4, 70);
  }

  @Test
  void matmulTileRowsAndColsCanDiffer() {
    ObjectNode job = matmulJob(random(10, 4, 5), random(4, 9, 6), 1);
    ((ObjectNode) job.get("matmul")).remove("tile");
    ((ObjectNode) job.get("matmul")).put("tile_rows", 5).put("tile_cols", 3);

    JobPlan plan = planner.plan(job);

    assertThat(plan.tasks()).hasSize(2 * 3);
    assertThat(input(plan.tasks().get(0), 0).shape().dims()).containsExactly(5, 4);
    assertThat(input(plan.tasks().get(0), 1).shape().dims()).containsExactly(4, 3);
  }

  @Test
  void tooManyTasksForTheLimitsIsRefused() {
    JobPlanner small = new JobPlanner(OperatorRegistry.standard(), PlannerLimits.DEFAULT.withMaxTasks(3));
    ArrayNode tasks = MAPPER.createArrayNode();
    for (int i = 0; i < 4; i++) {
      tasks.add(json("{'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]}"));
    }
    ObjectNode job = MAPPER.createObjectNode();
    job.set("tasks", tasks);

    assertInvalid(() -> small.plan(job), "tasks has 4 entries; a job may have at most 3");
    assertInvalid(() -> small.plan(matmulJob(random(4, 2, 1), random(2, 4, 2), 1)), "needs 16 tasks");
  }

  @Test
  void tasksOverTheInputByteLimitAreRefused() {
    JobPlanner small = new JobPlanner(OperatorRegistry.standard(), PlannerLimits.DEFAULT.withMaxTaskInputBytes(40));
    assertInvalid(
        () ->
            small.plan(
                json(
                    "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [6], 'values':"
                        + " [1,2,3,4,5,6]}, {'dtype': 'float32', 'shape': [6], 'values': [1,2,3,4,5,6]}]}]}")),
        "tasks[0] (id t0000) has 48 input bytes; a task may have at most 40");
  }

  private static String scalar() {
    return "{'dtype': 'float32', 'shape': [], 'values': [1]}";
  }

  private static String task(String fields) {
    return "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]" + fields + "}]}";
  }

  /** Task {@code id} adds a scalar to task {@code from}'s output. */
  private static String reads(String id, String from) {
    return "{'id': '" + id + "', 'operator': 'tensor.add@1', 'inputs': [{'from': '" + from + "'}, " + scalar() + "]}";
  }

  private static String named(String id) {
    return "{'id': '" + id + "', 'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]}";
  }

  static Stream<Arguments> badSubmissions() {
    String f32 = "{'dtype': 'float32', 'shape': [2, 2], 'values': [1, 2, 3, 4]}";
    return Stream.of(
        Arguments.of("[]", "must be a JSON object"),
        Arguments.of(
            task(", 'acceptance': 'best_effort'"),
            "tasks[0].acceptance: acceptance must be first_valid, manual or quorum(k of n)"),
        Arguments.of(
            task(", 'acceptance': 'quorum(3 of 2)'"), "tasks[0].acceptance: quorum(k of n) needs 1 <= k <= n <= 16"),
        Arguments.of(task(", 'acceptance': 'quorum(1 of 17)'"), "needs 1 <= k <= n <= 16"),
        Arguments.of(task(", 'acceptance': 2"), "tasks[0].acceptance must be a string"),
        Arguments.of("{}", "exactly one of \"tasks\", \"matmul\", \"batch\" and \"map_reduce\""),
        Arguments.of("{'tasks': [], 'matmul': {}}", "exactly one of"),
        Arguments.of("{'tasks': [], 'priority': 3}", "priority is not a known field"),
        Arguments.of("{'tasks': []}", "tasks must not be empty"),
        Arguments.of("{'tasks': [3]}", "tasks[0] must be a task object"),
        // tensors
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [" + f32 + ", {'dtype': 'float64', 'shape': [2, 2],"
                + " 'values': [1, 2, 3, 4]}]}]}",
            "tasks[0].inputs[1].dtype 'float64' is not a dtype"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [2, 3], 'values': [1, 2,"
                + " 3]}]}]}",
            "tasks[0].inputs[0].values has 3 values but shape [2, 3] needs 6"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [2, -1], 'values': []}]}]}",
            "tasks[0].inputs[0].shape[1] must be a non-negative integer"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [1,1,1,1,1,1,1,1,1],"
                + " 'values': [1]}]}]}",
            "tasks[0].inputs[0].shape has rank 9"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [2], 'data': '%%%'}]}]}",
            "tasks[0].inputs[0].data is not valid base64"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [2], 'data': 'AAAA'}]}]}",
            "tasks[0].inputs[0].data has 3 bytes but shape [2] of float32 needs 8"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'float32', 'shape': [1], 'data': 'AAAAAA==',"
                + " 'values': [1]}]}]}",
            "tasks[0].inputs[0] must have exactly one of \"values\" and \"data\""),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [{'dtype': 'int32', 'shape': [1], 'values':"
                + " [3000000000]}]}]}",
            "tasks[0].inputs[0].values[0] is outside the int32 range"),
        // operators and attributes
        Arguments.of(task("").replace("tensor.add@1", "tensor.frobnicate@1"), "tasks[0].operator 'tensor.frobnicate@1' is not a known operator"),
        Arguments.of(task("").replace("tensor.add@1", "add"), "tasks[0].operator 'add' is not an operator id"),
        Arguments.of(
            "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [" + f32
                + ", {'dtype': 'float32', 'shape': [3], 'values': [1, 2, 3]}]}]}",
            "tasks[0] (id t0000): tensor.add@1: "),
        Arguments.of(
            "{'tasks': [{'operator': '" + REDUCE + "', 'inputs': [" + f32 + "]}]}",
            "tasks[0] (id t0000): " + REDUCE + ": attribute 'axis' is missing"),
        Arguments.of(task(", 'attributes': {'axis': true}"), "tasks[0].attributes.axis must be an integer, a number"),
        Arguments.of(task(", 'attributes': {'perm': [1, 'x']}"), "tasks[0].attributes.perm[1] must be an integer"),
        Arguments.of(task(", 'attributes': {'Axis': 1}"), "tasks[0].attributes.Axis: attribute names must match"),
        // ids
        Arguments.of("{'tasks': [" + named("a") + ", " + named("b") + ", " + named("a") + "]}", "tasks[2].id 'a' is used by an earlier task"),
        Arguments.of("{'tasks': [" + named("t0001") + ", {'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]}]}", "tasks[1].id 't0001' is used by an earlier task"),
        Arguments.of(task(", 'id': '-starts-with-dash'"), "tasks[0].id must be 1..64 characters"),
        Arguments.of(task(", 'id': 'has space'"), "tasks[0].id must be 1..64 characters"),
        Arguments.of(task(", 'id': '" + "x".repeat(65) + "'"), "tasks[0].id must be 1..64 characters"),
        // task graphs
        Arguments.of(
            "{'tasks': [" + reads("a", "b") + ", " + reads("b", "c") + ", " + reads("c", "a") + "]}",
            "tasks form a cycle: 'c' -> 'b' -> 'a' -> 'c'; a job must be a DAG"),
        Arguments.of("{'tasks': [" + reads("a", "a") + "]}", "tasks[0].inputs[0].from: task 'a' cannot read its own output"),
        Arguments.of(
            "{'tasks': [" + named("a") + ", " + reads("b", "nope") + "]}",
            "tasks[1].inputs[0].from 'nope' names no task of this job"),
        Arguments.of(
            "{'tasks': [" + named("a") + ", {'id': 'b', 'operator': 'tensor.add@1', 'inputs': [{'from': 3}, " + scalar() + "]}]}",
            "tasks[1].inputs[0].from must be the id of another task of this job"),
        Arguments.of(
            "{'tasks': [" + named("a") + ", {'id': 'b', 'operator': 'tensor.add@1', 'inputs': [{'from': 'a', 'output': 1}, "
                + scalar() + "]}]}",
            "tasks[1].inputs[0].output 1: task 'a' has 1 output(s)"),
        Arguments.of(
            "{'tasks': [" + named("a") + ", {'id': 'b', 'operator': 'tensor.add@1', 'inputs': [{'from': 'a', 'as': 1}, "
                + scalar() + "]}]}",
            "tasks[1].inputs[0].as is not a known field"),
        Arguments.of(
            "{'tasks': [" + named("a") + ", {'id': 'b', 'operator': 'tensor.add@1', 'inputs': [{'from': 'a'}, "
                + "{'dtype': 'float32', 'shape': [3], 'values': [1, 2, 3]}]}]}",
            "tasks[1] (id b): tensor.add@1: "),
        // numbers
        Arguments.of(task(", 'timeout_ms': 0"), "tasks[0].timeout_ms must be an integer in 1..86400000, got 0"),
        Arguments.of(task(", 'timeout_ms': 86400001"), "tasks[0].timeout_ms must be an integer in 1..86400000"),
        Arguments.of(task(", 'max_attempts': 101"), "tasks[0].max_attempts must be an integer in 1..100"),
        Arguments.of("{'tasks': [" + named("a") + "], 'timeout_ms': 1.5}", "timeout_ms must be an integer in 1..86400000, got 1.5"),
        Arguments.of("{'tasks': [" + named("a") + "], 'max_attempts': 0}", "max_attempts must be an integer in 1..100, got 0"),
        Arguments.of("{'tasks': [" + named("a") + "], 'deadline_ms': 604800001}", "deadline_ms must be an integer in 0..604800000"),
        Arguments.of("{'tasks': [" + named("a") + "], 'deadline_ms': -1}", "deadline_ms must be an integer in 0..604800000"),
        // matmul
        Arguments.of(
            "{'matmul': {'a': {'dtype': 'float32', 'shape': [2, 3], 'values': [1,2,3,4,5,6]},"
                + " 'b': {'dtype': 'float32', 'shape': [2, 2], 'values': [1,2,3,4]}, 'tile': 2}}",
            "inner dimensions 3 and 2 differ"),
        Arguments.of(
            "{'matmul': {'a': {'dtype': 'float32', 'shape': [4], 'values': [1,2,3,4]}, 'b': " + f32 + "}}",
            "matmul.a.shape must be 2-D"),
        Arguments.of(
            "{'matmul': {'a': " + f32 + ", 'b': {'dtype': 'int32', 'shape': [2, 2], 'values': [1,2,3,4]}}}",
            "matmul.b.dtype int32 differs from matmul.a.dtype float32"),
        Arguments.of("{'matmul': {'a': " + f32 + ", 'b': " + f32 + ", 'tile': 0}}", "matmul.tile must be an integer in 1..4096"),
        Arguments.of("{'matmul': {'a': " + f32 + ", 'b': " + f32 + ", 'tile_cols': 5000}}", "matmul.tile_cols must be"),
        Arguments.of("{'matmul': {'a': " + f32 + "}}", "matmul.b must be a tensor object"));
  }

  @ParameterizedTest
  @MethodSource("badSubmissions")
  void badSubmissionsAreInvalidArgumentsNamingThePath(String submission, String expected) {
    assertInvalid(() -> planner.plan(json(submission)), expected);
  }

  static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String expected) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ApiException.Code.INVALID_ARGUMENT);
              assertThat(e.status()).isEqualTo(400);
            })
        .hasMessageContaining(expected);
  }

  @Test
  void nothingIsPlannedWhenALaterTaskIsBad() {
    // The first task is fine; the second is not: the whole submission is refused.
    assertInvalid(
        () ->
            planner.plan(
                json(
                    "{'tasks': [{'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]},"
                        + " {'operator': 'nope@1', 'inputs': []}]}")),
        "tasks[1].operator");
  }

  @Test
  void plannedTensorsSurviveTheWire() {
    List<PlannedTask> tasks =
        planner
            .plan(json("{'tasks': [{'operator': 'tensor.add@1', 'inputs': [" + scalar() + ", " + scalar() + "]}]}"))
            .tasks();
    assertThat(tasks.get(0).template().getInputs(0).getTensor().getShapeCount()).isZero();
    assertThat(input(tasks.get(0), 0).toFloatArray()).containsExactly(1f);
  }
}
