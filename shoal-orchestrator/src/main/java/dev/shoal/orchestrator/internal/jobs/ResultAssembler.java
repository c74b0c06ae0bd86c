package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.tiling.MatmulTiling;
import dev.shoal.operators.tiling.Tile;
import dev.shoal.orchestrator.internal.core.JobOutcome;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.Value;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Presents a finished job's result as response JSON. A matmul job becomes one tensor assembled
 * from its tiles: {@code {"job_id","state","result":TENSOR}}; a task list becomes each task's
 * state, outputs and error: {@code {"job_id","state","tasks":[{"id","state","outputs","error"}]}}.
 * Output is streamed so a large product is never held twice as a JSON tree. Stateless and
 * thread-safe.
 */
public final class ResultAssembler {

  private static final JsonFactory JSON = new JsonFactory();

  /** The response body for {@code outcome}, in the given tensor form. */
  public byte[] render(JobOutcome outcome, TensorJson.Format format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(outcome, format, out, false);
    return out.toByteArray();
  }

  /**
   * What a job has so far, whatever its state and kind: each task's state, and the outputs of
   * those accepted: {@code {"job_id","state","partial":true,"tasks":[...]}}.
   */
  public byte[] renderPartial(JobOutcome outcome, TensorJson.Format format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(outcome, format, out, true);
    return out.toByteArray();
  }

  /** Writes the response body for {@code outcome} to {@code out}. */
  public void write(JobOutcome outcome, TensorJson.Format format, OutputStream out) {
    write(outcome, format, out, false);
  }

  private void write(JobOutcome outcome, TensorJson.Format format, OutputStream out, boolean partial) {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("job_id", outcome.status().id());
      g.writeStringField("state", outcome.status().state().wireName());
      if (partial) {
        g.writeBooleanField("partial", true);
      }
      if (!partial && MatmulSpec.KIND.equals(outcome.status().kind())) {
        g.writeFieldName("result");
        TensorJson.write(g, matmul(outcome), format);
      } else {
        g.writeArrayFieldStart("tasks");
        for (JobOutcome.TaskOutcome t : outcome.tasks()) {
          writeTask(g, t, format);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the result of job " + outcome.status().id(), e);
    }
  }

  /**
   * The product C = A·B of a succeeded matmul job, assembled from each tile task's output 0.
   *
   * @throws IllegalStateException if the job is not a succeeded matmul job or a tile is missing
   */
  public Tensor matmul(JobOutcome outcome) {
    String jobId = outcome.status().id();
    if (!MatmulSpec.KIND.equals(outcome.status().kind())) {
      throw new IllegalStateException("job " + jobId + " is a " + outcome.status().kind() + " job, not matmul");
    }
    if (outcome.status().state() != JobState.SUCCEEDED) {
      throw new IllegalStateException("job " + jobId + " has not succeeded: " + outcome.status().state());
    }
    MatmulSpec spec = MatmulSpec.fromJson(outcome.spec());
    Map<String, JobOutcome.TaskOutcome> byId = new HashMap<>();
    for (JobOutcome.TaskOutcome t : outcome.tasks()) {
      byId.put(t.taskId(), t);
    }
    List<Tile> tiles = MatmulTiling.plan(spec.m(), spec.n(), spec.tileRows(), spec.tileCols());
    List<Tensor> blocks = new ArrayList<>(tiles.size());
    for (int i = 0; i < tiles.size(); i++) {
      String id = String.format("tile-%04d", i);
      JobOutcome.TaskOutcome t = byId.get(id);
      if (t == null || t.state() != TaskState.SUCCEEDED || t.result() == null || t.result().getOutputsCount() < 1) {
        throw new IllegalStateException("job " + jobId + " has no accepted result for " + id);
      }
      blocks.add(WireTensors.fromWire(t.result().getOutputs(0).getTensor()));
    }
    return MatmulTiling.assemble(spec.dtype(), spec.m(), spec.n(), tiles, blocks);
  }

  /** The outputs of an accepted result as tensors (DataRef outputs are not produced in this version). */
  public static List<Tensor> outputs(ResultDescriptor result) {
    if (result == null) {
      return List.of();
    }
    List<Tensor> out = new ArrayList<>(result.getOutputsCount());
    for (Value v : result.getOutputsList()) {
      if (!v.hasTensor()) {
        throw new IllegalStateException("an accepted result has a non-inline output");
      }
      out.add(WireTensors.fromWire(v.getTensor()));
    }
    return out;
  }

  private static void writeTask(JsonGenerator g, JobOutcome.TaskOutcome t, TensorJson.Format format)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", t.taskId());
    g.writeStringField("state", t.state().wireName());
    g.writeArrayFieldStart("outputs");
    if (t.state() == TaskState.SUCCEEDED) {
      for (Tensor out : outputs(t.result())) {
        TensorJson.write(g, out, format);
      }
    }
    g.writeEndArray();
    g.writeStringField("error", t.error());
    g.writeEndObject();
  }
}
