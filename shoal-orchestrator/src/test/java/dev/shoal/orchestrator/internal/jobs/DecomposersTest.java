package dev.shoal.orchestrator.internal.jobs;

import static dev.shoal.orchestrator.internal.jobs.JobPlannerTest.json;
import static dev.shoal.orchestrator.internal.jobs.JobPlannerTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.http.ApiException;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in decomposers: batch (scatter), tiled matmul split over k, map-reduce; and inputs by reference. */
class DecomposersTest {

  @TempDir Path dir;

  private JobPlanner planner() {
    return new JobPlanner(OperatorRegistry.standard(), PlannerLimits.DEFAULT, new BlobStore(dir));
  }

  private static Map<String, PlannedTask> byId(JobPlan plan) {
    return plan.tasks().stream().collect(Collectors.toMap(PlannedTask::taskId, Function.identity()));
  }

  private static Tensor inline(PlannedTask t, int i) {
    return WireTensors.fromWire(t.template().getInputs(i).getTensor());
  }

  private static TaskInputs.Upstream from(PlannedTask t, int i) {
    return TaskInputs.upstream(t.template().getInputs(i));
  }

  @Test
  void aBatchIsOneTaskPerItem() {
    JobPlan plan =
        planner()
            .plan(
                json(
                    "{'batch': {'operator': 'tensor.reduce_sum@1', 'attributes': {'axis': 0}, 'items': ["
                        + "{'dtype': 'float32', 'shape': [2], 'values': [1, 2]},"
                        + "[{'dtype': 'float32', 'shape': [3], 'values': [1, 2, 3]}]]}}"));
    assertThat(plan.kind()).isEqualTo("batch");
    assertThat(plan.tasks()).extracting(PlannedTask::taskId).containsExactly("item-0000", "item-0001");
    assertThat(inline(plan.tasks().get(1), 0).toFloatArray()).containsExactly(1, 2, 3);
    assertThat(plan.tasks().get(0).template().getAttributesMap()).containsKey("axis");
    assertThatThrownBy(
            () ->
                planner()
                    .plan(
                        json(
                            "{'batch': {'operator': 'tensor.add@1', 'items': [[{'dtype': 'float32', 'shape': [2],"
                                + " 'values': [1, 2]}]]}}")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("batch.items[0]: tensor.add@1");
  }

  @Test
  void matmulSplitOverKIsPartialProductsAddedPairwiseIntoEachTile() {
    Tensor a = random(4, 6, 1);
    Tensor b = random(6, 4, 2);
    ObjectNode job = JobPlannerTest.matmulJob(a, b, 2);
    ((ObjectNode) job.get("matmul")).put("split_k", 3);
    JobPlan plan = planner().plan(job);
    Map<String, PlannedTask> tasks = byId(plan);
    // 4 tiles, each 3 partial products and 2 additions.
    assertThat(plan.tasks()).hasSize(4 * 5);
    PlannedTask part = tasks.get("tile-0001.k02");
    // Tile 1 is rows 0..2, columns 2..4; part 2 is k 4..6.
    assertThat(inline(part, 0).toFloatArray()).containsExactly(a.rowBlock(0, 2).columnBlock(4, 6).toFloatArray());
    assertThat(inline(part, 1).toFloatArray()).containsExactly(b.rowBlock(4, 6).columnBlock(2, 4).toFloatArray());
    PlannedTask sum = tasks.get("tile-0001.sum-1-0000");
    assertThat(sum.template().getOperator()).isEqualTo("tensor.add@1");
    assertThat(List.of(from(sum, 0), from(sum, 1)))
        .containsExactly(new TaskInputs.Upstream("tile-0001.k00", 0), new TaskInputs.Upstream("tile-0001.k01", 0));
    PlannedTask tile = tasks.get("tile-0001");
    assertThat(List.of(from(tile, 0), from(tile, 1)))
        .as("the tile is the last sum, so the product assembles from the same task ids as without a split")
        .containsExactly(new TaskInputs.Upstream("tile-0001.sum-1-0000", 0), new TaskInputs.Upstream("tile-0001.k02", 0));
    assertThat(tile.expectedOutputs().getFirst().shape()).isEqualTo(Shape.of(2, 2));
  }

  @Test
  void mapReduceMapsEveryChunkAndReducesPairwiseToOneResult() {
    int[] values = new int[10 * 3];
    for (int i = 0; i < values.length; i++) {
      values[i] = i;
    }
    ObjectNode job = JobPlannerTest.MAPPER.createObjectNode();
    ObjectNode mr = job.putObject("map_reduce");
    mr.set("input", TensorJson.toNode(Tensor.int32(Shape.of(10, 3), values), TensorJson.Format.VALUES));
    mr.put("chunk_rows", 4);
    mr.set("map", json("{'operator': 'tensor.reduce_sum@1', 'attributes': {'axis': 0}}"));
    mr.put("reduce", "tensor.add@1");
    JobPlan plan = planner().plan(job);
    assertThat(plan.kind()).isEqualTo("map_reduce");
    assertThat(plan.tasks()).extracting(PlannedTask::taskId)
        .containsExactly("map-0000", "map-0001", "map-0002", "reduce-1-0000", "result");
    Map<String, PlannedTask> tasks = byId(plan);
    assertThat(inline(tasks.get("map-0002"), 0).toIntArray()).as("the last chunk has the 2 rows left")
        .containsExactly(24, 25, 26, 27, 28, 29);
    assertThat(List.of(from(tasks.get("result"), 0), from(tasks.get("result"), 1)))
        .containsExactly(new TaskInputs.Upstream("reduce-1-0000", 0), new TaskInputs.Upstream("map-0002", 0));

    mr.set("map", json("{'operator': 'tensor.relu@1'}"));
    mr.set("input", TensorJson.toNode(Tensor.float32(Shape.of(10, 3), new float[30]), TensorJson.Format.VALUES));
    assertThatThrownBy(() -> planner().plan(job))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("chunk map-0002 maps to [2, 3] but chunk map-0000 to [4, 3]");
  }

  @Test
  void aStoredDatasetIsSplitByByteRangesEachWithItsOwnDigest() throws Exception {
    int rows = 1000;
    int cols = 64;
    ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * cols; i++) {
      data.putInt(i * 7);
    }
    BlobStore.Stored stored = new BlobStore(dir).put(data.array());
    JobPlan plan =
        planner()
            .plan(
                json(
                    "{'map_reduce': {'input': {'blob': 'sha256:" + stored.sha256() + "', 'dtype': 'int32', 'shape': [1000,"
                        + " 64]}, 'chunk_rows': 300, 'map': {'operator': 'tensor.reduce_sum@1', 'attributes': {'axis':"
                        + " 0}}, 'reduce': 'tensor.add@1'}}"));
    PlannedTask second = byId(plan).get("map-0001");
    Value in = second.template().getInputs(0);
    assertThat(TaskInputs.isStored(in)).isTrue();
    DataRef ref = in.getTensorRef().getData();
    assertThat(ref.getDigest()).isEqualTo("sha256:" + stored.sha256());
    assertThat(ref.getRange().getOffset()).isEqualTo(300L * cols * 4);
    assertThat(ref.getRange().getLength()).isEqualTo(300L * cols * 4);
    byte[] slice = java.util.Arrays.copyOfRange(data.array(), 300 * cols * 4, 600 * cols * 4);
    assertThat(ref.getRangeDigest())
        .isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(slice)));
    assertThat(in.getTensorRef().getShapeList()).containsExactly(300L, 64L);
    assertThat(byId(plan).get("map-0003").template().getInputs(0).getTensorRef().getShapeList())
        .as("the last chunk")
        .containsExactly(100L, 64L);

    assertThatThrownBy(
            () ->
                planner()
                    .plan(
                        json(
                            "{'map_reduce': {'input': {'blob': 'sha256:" + stored.sha256() + "', 'dtype': 'int32',"
                                + " 'shape': [1001, 64]}, 'map': {'operator': 'tensor.relu@1'}, 'reduce': 'tensor.add@1'}}")))
        .hasMessageContaining("needs 256256 bytes from offset 0, but the blob has 256000");
    assertThatThrownBy(
            () ->
                planner()
                    .plan(
                        json(
                            "{'tasks': [{'operator': 'tensor.relu@1', 'inputs': [{'blob': 'sha256:" + "0".repeat(64)
                                + "', 'dtype': 'int32', 'shape': [1]}]}]}")))
        .hasMessageContaining("tasks[0].inputs[0].blob sha256:" + "0".repeat(64) + " is not stored here");
  }

  @Test
  void anInputOverTheInlineLimitTravelsByReference() {
    Tensor big = Tensor.float32(Shape.of(300_000), new float[300_000]);
    Tensor small = Tensor.float32(Shape.of(4), new float[4]);
    ObjectNode job = JobPlannerTest.MAPPER.createObjectNode();
    ObjectNode task = job.putArray("tasks").addObject().put("operator", "tensor.relu@1");
    task.putArray("inputs").add(TensorJson.toNode(big, TensorJson.Format.DATA));
    ObjectNode other = ((com.fasterxml.jackson.databind.node.ArrayNode) job.get("tasks")).addObject().put("operator", "tensor.relu@1");
    other.putArray("inputs").add(TensorJson.toNode(small, TensorJson.Format.DATA));
    JobPlan plan = planner().plan(job);
    Value ref = plan.tasks().get(0).template().getInputs(0);
    assertThat(TaskInputs.isStored(ref)).isTrue();
    assertThat(ref.getTensorRef().getData().getSize()).isEqualTo(1_200_000);
    assertThat(new BlobStore(dir).size(ref.getTensorRef().getData().getDigest().substring(7))).isEqualTo(1_200_000);
    assertThat(plan.tasks().get(1).template().getInputs(0).hasTensor()).as("small inputs stay inline").isTrue();
  }
}
