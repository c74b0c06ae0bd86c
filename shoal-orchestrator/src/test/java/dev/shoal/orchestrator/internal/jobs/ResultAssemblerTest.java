package dev.shoal.orchestrator.internal.jobs;

import static dev.shoal.orchestrator.internal.jobs.JobPlannerTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.core.JobOutcome;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultAssemblerTest {

  private static final Operator MATMUL = OperatorRegistry.standard().require(OperatorId.parse("tensor.matmul@1"));
  private static final Attributes NONE = Attributes.builder().build();

  private final JobPlanner planner = new JobPlanner(OperatorRegistry.standard());
  private final ResultAssembler assembler = new ResultAssembler();

  /** What a worker would return for one planned task: the operator run on its inputs. */
  private static ResultDescriptor computed(PlannedTask t) {
    List<Tensor> inputs = new ArrayList<>();
    for (Value v : t.template().getInputsList()) {
      inputs.add(WireTensors.fromWire(v.getTensor()));
    }
    ResultDescriptor.Builder r = ResultDescriptor.newBuilder().setStatus(ResultStatus.RESULT_STATUS_OK);
    for (Tensor out : compute(OperatorId.parse(t.template().getOperator()), inputs)) {
      r.addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(out)));
    }
    return r.build();
  }

  private static List<Tensor> compute(OperatorId id, List<Tensor> inputs) {
    return OperatorRegistry.standard().require(id).apply(inputs, NONE);
  }

  private static JobStatus status(String id, String kind, JobState state, int tasks) {
    Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      counts.put(s, 0);
    }
    counts.put(state == JobState.SUCCEEDED ? TaskState.SUCCEEDED : TaskState.FAILED, tasks);
    return new JobStatus(id, kind, state, 1_000, 2_000, tasks, counts, tasks, 0, null, "");
  }

  private JobOutcome succeededMatmul(Tensor a, Tensor b, int tile) {
    JobPlan plan = planner.plan(JobPlannerTest.matmulJob(a, b, tile));
    List<JobOutcome.TaskOutcome> outcomes = new ArrayList<>();
    // Results arrive in any order; the assembler must place them by task id.
    for (PlannedTask t : plan.tasks().reversed()) {
      outcomes.add(new JobOutcome.TaskOutcome(t.taskId(), TaskState.SUCCEEDED, computed(t), null));
    }
    return new JobOutcome(status("j1", plan.kind(), JobState.SUCCEEDED, plan.tasks().size()), plan.spec(), outcomes);
  }

  @Test
  void assembledTilesEqualTheDirectProduct() {
    Tensor a = JobPlannerTest.random(100, 70, 11);
    Tensor b = JobPlannerTest.random(70, 30, 12);

    Tensor assembled = assembler.matmul(succeededMatmul(a, b, 32));

    Tensor direct = MATMUL.apply(List.of(a, b), NONE).get(0);
    assertThat(assembled.shape().dims()).containsExactly(100, 30);
    assertThat(assembled.toFloatArray()).containsExactly(direct.toFloatArray());
  }

  @Test
  void rendersTheMatmulResultAsOneTensor() throws Exception {
    Tensor a = JobPlannerTest.random(9, 5, 13);
    Tensor b = JobPlannerTest.random(5, 7, 14);
    JobOutcome outcome = succeededMatmul(a, b, 4);

    JsonNode body = new ObjectMapper().readTree(assembler.render(outcome, TensorJson.Format.DATA));

    assertThat(body.get("job_id").asText()).isEqualTo("j1");
    assertThat(body.get("state").asText()).isEqualTo("succeeded");
    Tensor result = TensorJson.parse(body.get("result"), "result");
    assertThat(result.toFloatArray()).containsExactly(MATMUL.apply(List.of(a, b), NONE).get(0).toFloatArray());
  }

  @Test
  void rendersEachTaskOfATaskListWithOutputsOrError() throws Exception {
    Tensor one = Tensor.float32(Shape.of(2), new float[] {1, Float.NaN});
    ResultDescriptor ok =
        ResultDescriptor.newBuilder()
            .setStatus(ResultStatus.RESULT_STATUS_OK)
            .addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(one)))
            .build();
    JobOutcome outcome =
        new JobOutcome(
            status("j2", "tasks", JobState.FAILED, 2),
            "{}".getBytes(),
            List.of(
                new JobOutcome.TaskOutcome("t0000", TaskState.SUCCEEDED, ok, null),
                new JobOutcome.TaskOutcome("t0001", TaskState.FAILED, null, "failed on w1: execution: boom")));

    JsonNode body = new ObjectMapper().readTree(assembler.render(outcome, TensorJson.Format.VALUES));

    assertThat(body)
        .isEqualTo(
            json(
                """
                {'job_id': 'j2', 'state': 'failed', 'tasks': [
                  {'id': 't0000', 'state': 'succeeded',
                   'outputs': [{'dtype': 'float32', 'shape': [2], 'values': [1.0, 'NaN']}], 'error': null},
                  {'id': 't0001', 'state': 'failed', 'outputs': [], 'error': 'failed on w1: execution: boom'}]}
                """));
  }

  @Test
  void aMissingTileIsAnErrorNotAWrongAnswer() {
    JobOutcome full = succeededMatmul(JobPlannerTest.random(8, 3, 1), JobPlannerTest.random(3, 8, 2), 4);
    JobOutcome missing = new JobOutcome(full.status(), full.spec(), full.tasks().subList(1, full.tasks().size()));

    assertThatThrownBy(() -> assembler.matmul(missing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no accepted result for tile-");
  }
}
