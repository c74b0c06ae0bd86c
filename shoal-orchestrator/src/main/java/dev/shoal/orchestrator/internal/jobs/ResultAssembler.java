package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.protocol.v1.TensorRef;
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
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

  private final BlobStore blobs;

  /** An assembler for meshes without a data service: every output is inline. */
  public ResultAssembler() {
    this(null);
  }

  /** Outputs kept in {@code blobs} are read from it when a product is assembled. */
  public ResultAssembler(BlobStore blobs) {
    this.blobs = blobs;
  }

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
      } else if (!partial && JobPlanner.MAP_REDUCE_KIND.equals(outcome.status().kind())) {
        g.writeFieldName("result");
        writeMapReduce(g, outcome, format);
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
      blocks.add(tensor(t.result().getOutputs(0)));
    }
    return MatmulTiling.assemble(spec.dtype(), spec.m(), spec.n(), tiles, blocks);
  }

  /** The one output of a succeeded map-reduce job's last task. */
  private static void writeMapReduce(JsonGenerator g, JobOutcome outcome, TensorJson.Format format) throws IOException {
    String resultTask = MAPPER.readTree(outcome.spec()).path("result_task").asText();
    for (JobOutcome.TaskOutcome t : outcome.tasks()) {
      if (t.taskId().equals(resultTask) && t.result() != null && t.result().getOutputsCount() == 1) {
        writeOutputs(g, t.result(), format);
        return;
      }
    }
    throw new IllegalStateException("job " + outcome.status().id() + " has no accepted result for " + resultTask);
  }

  /** An output as a tensor, read from the data service if it is kept there. */
  private Tensor tensor(Value v) {
    if (!v.hasTensorRef()) {
      return WireTensors.fromWire(v.getTensor());
    }
    TensorRef t = v.getTensorRef();
    if (blobs == null || !TaskInputs.isStored(v)) {
      throw new IllegalStateException("an output is kept outside this orchestrator's data service");
    }
    try {
      byte[] bytes = blobs.read(TaskInputs.sha256(t.getData().getDigest()), t.getData().getRange().getOffset(),
          Math.toIntExact(TaskInputs.spec(v).byteSize()));
      TensorSpec spec = TaskInputs.spec(v);
      return Tensor.fromLittleEndian(spec.dtype(), spec.shape(), java.nio.ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read an output from the data service: " + e.getMessage(), e);
    }
  }

  /**
   * Writes each output of a result: an inline tensor as a tensor, one in the data service as the
   * blob reference a later job can take as input ({@code {"dtype","shape","blob","offset"}}).
   */
  public static void writeOutputs(JsonGenerator g, ResultDescriptor result, TensorJson.Format format) throws IOException {
    if (result == null) {
      return;
    }
    for (Value v : result.getOutputsList()) {
      if (v.hasTensorRef()) {
        writeRef(g, v.getTensorRef());
      } else {
        TensorJson.write(g, WireTensors.fromWire(v.getTensor()), format);
      }
    }
  }

  private static void writeRef(JsonGenerator g, TensorRef t) throws IOException {
    g.writeStartObject();
    g.writeStringField("dtype", WireTensors.fromWire(t.getDtype()).wireName());
    g.writeArrayFieldStart("shape");
    for (long d : t.getShapeList()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    g.writeStringField("blob", t.getData().getDigest());
    g.writeNumberField("offset", t.getData().getRange().getOffset());
    g.writeEndObject();
  }

  /** The outputs of a result as JSON trees (small results: task views), in the forms {@link #writeOutputs} writes. */
  public static List<JsonNode> outputNodes(ResultDescriptor result, TensorJson.Format format) {
    List<JsonNode> nodes = new ArrayList<>();
    if (result == null) {
      return nodes;
    }
    for (Value v : result.getOutputsList()) {
      if (v.hasTensorRef()) {
        TensorRef t = v.getTensorRef();
        var o = MAPPER.createObjectNode().put("dtype", WireTensors.fromWire(t.getDtype()).wireName());
        var shape = o.putArray("shape");
        t.getShapeList().forEach(shape::add);
        o.put("blob", t.getData().getDigest()).put("offset", t.getData().getRange().getOffset());
        nodes.add(o);
      } else {
        nodes.add(TensorJson.toNode(WireTensors.fromWire(v.getTensor()), format));
      }
    }
    return nodes;
  }

  private static void writeTask(JsonGenerator g, JobOutcome.TaskOutcome t, TensorJson.Format format)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", t.taskId());
    g.writeStringField("state", t.state().wireName());
    g.writeArrayFieldStart("outputs");
    if (t.state() == TaskState.SUCCEEDED) {
      writeOutputs(g, t.result(), format);
    }
    g.writeEndArray();
    g.writeStringField("error", t.error());
    g.writeEndObject();
  }
}
