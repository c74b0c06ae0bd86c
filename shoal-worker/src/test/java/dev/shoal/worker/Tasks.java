package dev.shoal.worker;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;

/** Builders for task descriptors in tests. */
final class Tasks {

  static final String JOB = "job-1";

  private Tasks() {}

  /** A float32 vector input. */
  static Value vector(float... values) {
    return Value.newBuilder().setTensor(WireTensors.toWire(Tensor.float32(Shape.of(values.length), values))).build();
  }

  /** An int32 vector input. */
  static Value ints(int... values) {
    return Value.newBuilder().setTensor(WireTensors.toWire(Tensor.int32(Shape.of(values.length), values))).build();
  }

  static Value dataRef() {
    return Value.newBuilder()
        .setRef(DataRef.newBuilder().setUri("https://data.example/blob").setDigest("sha256:" + "ab".repeat(32)).setSize(8))
        .build();
  }

  /** Attempt 1 of {@code taskId} in {@link #JOB}, 10 s timeout. */
  static TaskDescriptor.Builder task(String taskId, String operator, Value... inputs) {
    TaskDescriptor.Builder b =
        TaskDescriptor.newBuilder()
            .setAttempt(AttemptRef.newBuilder().setJobId(JOB).setTaskId(taskId).setAttempt(1))
            .setOperator(operator)
            .setTimeoutMs(10_000);
    for (Value v : inputs) {
      b.addInputs(v);
    }
    return b;
  }

  static float[] floats(Value v) {
    return WireTensors.fromWire(v.getTensor()).toFloatArray();
  }
}
