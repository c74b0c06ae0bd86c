package dev.shoal.orchestrator.internal.core;

import dev.shoal.operators.Shape;
import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Inputs that are not carried inline in a stored task: an output of another task of the same job
 * ({@code shoal:task/<task-id>/<output>}) or bytes in the orchestrator's data service
 * ({@code shoal:data/sha256:<hex>}). Both are tensor_refs, so a task's input specs are known
 * before its inputs exist. The first kind is replaced by the accepted output when the task
 * becomes ready; the second by a signed URL at each dispatch. Workers never see either URI.
 */
public final class TaskInputs {

  static final String TASK_PREFIX = "shoal:task/";
  public static final String DATA_PREFIX = "shoal:data/";

  private static final String SHA256 = "sha256:";

  private TaskInputs() {}

  /** The protocol's name for content with SHA-256 {@code hex} (the data service names blobs by the hex alone). */
  public static String digest(String hex) {
    return SHA256 + hex;
  }

  /** The hex a protocol digest names, or null if it is not a SHA-256 digest. */
  public static String sha256(String digest) {
    return digest.startsWith(SHA256) ? digest.substring(SHA256.length()) : null;
  }

  /** The {@code output}-th output of task {@code taskId}, which will have {@code spec}. */
  public static Value fromTask(String taskId, int output, TensorSpec spec) {
    return ref(spec, DataRef.newBuilder().setUri(TASK_PREFIX + taskId + "/" + output).build());
  }

  /**
   * The bytes {@code [offset, offset + spec.byteSize())} of a stored blob, as a tensor of
   * {@code spec}. {@code rangeDigest} covers exactly those bytes (null: the range is the whole blob).
   */
  public static Value fromBlob(String digest, long size, long offset, String rangeDigest, TensorSpec spec) {
    DataRef.Builder data = DataRef.newBuilder().setUri(DATA_PREFIX + digest).setDigest(digest).setSize(size);
    if (offset != 0 || spec.byteSize() != size) {
      data.setRange(ByteRange.newBuilder().setOffset(offset).setLength(spec.byteSize())).setRangeDigest(rangeDigest);
    }
    return ref(spec, data.build());
  }

  private static Value ref(TensorSpec spec, DataRef data) {
    TensorRef.Builder t = TensorRef.newBuilder().setDtype(WireTensors.toWire(spec.dtype())).setData(data);
    for (int d : spec.shape().dims()) {
      t.addShape(d);
    }
    return Value.newBuilder().setTensorRef(t).build();
  }

  /** Which output of which task an input reads. */
  public record Upstream(String taskId, int output) {}

  /** The task output {@code v} stands for, or null if it is not such a placeholder. */
  public static Upstream upstream(Value v) {
    if (!v.hasTensorRef()) {
      return null;
    }
    String uri = v.getTensorRef().getData().getUri();
    if (!uri.startsWith(TASK_PREFIX)) {
      return null;
    }
    int slash = uri.lastIndexOf('/');
    return new Upstream(uri.substring(TASK_PREFIX.length(), slash), Integer.parseInt(uri.substring(slash + 1)));
  }

  /** The distinct tasks a task reads from, in input order. */
  public static List<String> upstreamIds(TaskDescriptor template) {
    Set<String> ids = new LinkedHashSet<>();
    for (Value v : template.getInputsList()) {
      Upstream u = upstream(v);
      if (u != null) {
        ids.add(u.taskId());
      }
    }
    return List.copyOf(ids);
  }

  /** Whether {@code v} names bytes in the orchestrator's data service. */
  public static boolean isStored(Value v) {
    return v.hasTensorRef() && v.getTensorRef().getData().getUri().startsWith(DATA_PREFIX);
  }

  /** The template with each placeholder input replaced by what {@code outputs} says it is. */
  static TaskDescriptor resolve(TaskDescriptor template, Function<Upstream, Value> outputs) {
    if (!hasUpstream(template)) {
      return template;
    }
    List<Value> inputs = new ArrayList<>(template.getInputsCount());
    for (Value v : template.getInputsList()) {
      Upstream u = upstream(v);
      inputs.add(u == null ? v : outputs.apply(u));
    }
    return template.toBuilder().clearInputs().addAllInputs(inputs).build();
  }

  private static boolean hasUpstream(TaskDescriptor template) {
    for (Value v : template.getInputsList()) {
      if (upstream(v) != null) {
        return true;
      }
    }
    return false;
  }

  /** The dtype and shape of a tensor input, inline or by reference. */
  public static TensorSpec spec(Value v) {
    if (v.hasTensorRef()) {
      TensorRef t = v.getTensorRef();
      return new TensorSpec(WireTensors.fromWire(t.getDtype()), shape(t.getShapeList()));
    }
    var t = v.getTensor();
    return new TensorSpec(WireTensors.fromWire(t.getDtype()), shape(t.getShapeList()));
  }

  private static Shape shape(List<Long> dims) {
    int[] d = new int[dims.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.toIntExact(dims.get(i));
    }
    return Shape.of(d);
  }
}
