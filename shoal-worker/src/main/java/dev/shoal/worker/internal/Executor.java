package dev.shoal.worker.internal;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.Diagnostics;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts with bounded concurrency and enforces their timeouts. Admission (which tasks to
 * take) and execution live here; talking to the orchestrator does not. Thread-safe.
 */
public final class Executor {

  private static final Logger log = LoggerFactory.getLogger(Executor.class);

  /** Why a task was not taken; null reason means accepted. */
  public record Admission(RejectReason reason, String detail) {
    static final Admission ACCEPTED = new Admission(null, "");

    public boolean accepted() {
      return reason == null;
    }
  }

  private final OperatorRegistry operators;
  private final int capacity;
  private final long maxTaskBytes;
  private final ExecutorService pool;
  private final ScheduledExecutorService timers;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Object admission = new Object();
  private volatile boolean draining;

  /** One attempt in flight; {@code finished} makes sure it reports exactly once. */
  private static final class Running {
    final TaskDescriptor task;
    final long acceptedNanos;
    final AtomicBoolean finished = new AtomicBoolean();
    volatile Future<?> future;
    volatile ScheduledFuture<?> timeout;

    Running(TaskDescriptor task) {
      this.task = task;
      this.acceptedNanos = System.nanoTime();
    }
  }

  public Executor(
      OperatorRegistry operators, int capacity, long maxTaskBytes, ExecutorService pool, ScheduledExecutorService timers) {
    this.operators = operators;
    this.capacity = capacity;
    this.maxTaskBytes = maxTaskBytes;
    this.pool = pool;
    this.timers = timers;
  }

  public static String key(TaskDescriptor t) {
    return t.getAttempt().getJobId() + "/" + t.getAttempt().getTaskId() + "#" + t.getAttempt().getAttempt();
  }

  public int running() {
    return running.size();
  }

  public int capacity() {
    return capacity;
  }

  public boolean isRunning(String key) {
    return running.containsKey(key);
  }

  public void drain() {
    draining = true;
  }

  public boolean isDraining() {
    return draining;
  }

  /**
   * Decides whether to take a (validated) task and, if so, reserves its slot. Checks that need
   * no data come first, so a refusal is cheap.
   */
  public Admission admit(TaskDescriptor task) {
    OperatorId id = OperatorId.parse(task.getOperator());
    Operator op = operators.find(id).orElse(null);
    if (op == null) {
      return new Admission(RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, task.getOperator() + " is not one of this worker's operators");
    }
    List<TensorSpec> specs = new ArrayList<>();
    long bytes = 0;
    for (Value v : task.getInputsList()) {
      if (!v.hasTensor()) {
        return new Admission(RejectReason.REJECT_REASON_BAD_INPUT, "DataRefs are not resolved by this worker version");
      }
      TensorSpec s = new TensorSpec(
          WireTensors.fromWire(v.getTensor().getDtype()),
          dev.shoal.operators.Shape.of(v.getTensor().getShapeList().stream().mapToInt(Long::intValue).toArray()));
      specs.add(s);
      bytes += s.byteSize();
    }
    try {
      for (TensorSpec out : op.outputSpecs(specs, WireTensors.fromWire(task.getAttributesMap()))) {
        bytes += out.byteSize();
      }
    } catch (OperatorException | IllegalArgumentException e) {
      return new Admission(RejectReason.REJECT_REASON_BAD_INPUT, e.getMessage());
    }
    if (bytes > maxTaskBytes) {
      return new Admission(
          RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT,
          "task needs " + bytes + " bytes of inputs and outputs, this worker holds at most " + maxTaskBytes);
    }
    synchronized (admission) {
      if (draining) {
        return new Admission(RejectReason.REJECT_REASON_DRAINING, "this worker is draining");
      }
      if (running.size() >= capacity) {
        return new Admission(RejectReason.REJECT_REASON_AT_CAPACITY, "all " + capacity + " slots are busy");
      }
      running.put(key(task), new Running(task));
    }
    return Admission.ACCEPTED;
  }

  /**
   * Runs an admitted task; {@code report} gets its one result. Cheap operators run inline on the
   * caller's thread (no hop); others on the pool, with the task's timeout enforced.
   */
  public void start(TaskDescriptor task, Consumer<ResultDescriptor> report) {
    Running r = running.get(key(task));
    if (r == null) {
      throw new IllegalStateException("attempt " + key(task) + " was not admitted");
    }
    Operator op = operators.require(OperatorId.parse(task.getOperator()));
    if (op.isCheap()) {
      compute(r, op, report);
      return;
    }
    r.timeout =
        timers.schedule(
            () -> {
              finish(r, result(r.task, ResultStatus.RESULT_STATUS_TIMED_OUT, "timeout of " + r.task.getTimeoutMs() + " ms passed", ""), report);
              Future<?> f = r.future;
              if (f != null) {
                f.cancel(true);
              }
            },
            task.getTimeoutMs(),
            TimeUnit.MILLISECONDS);
    r.future = pool.submit(() -> compute(r, op, report));
  }

  private void compute(Running r, Operator op, Consumer<ResultDescriptor> report) {
    long started = System.nanoTime();
    ResultDescriptor.Builder out;
    try {
      List<Tensor> inputs = new ArrayList<>(r.task.getInputsCount());
      for (Value v : r.task.getInputsList()) {
        inputs.add(WireTensors.fromWire(v.getTensor()));
      }
      List<Tensor> outputs = op.apply(inputs, WireTensors.fromWire(r.task.getAttributesMap()));
      out = ResultDescriptor.newBuilder().setAttempt(r.task.getAttempt()).setStatus(ResultStatus.RESULT_STATUS_OK);
      for (Tensor t : outputs) {
        out.addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(t)));
      }
    } catch (OperatorException e) {
      out = result(r.task, ResultStatus.RESULT_STATUS_FAILED, e.getMessage(), e.kind().name().toLowerCase()).toBuilder();
    } catch (OutOfMemoryError e) {
      out = result(r.task, ResultStatus.RESULT_STATUS_FAILED, "over memory: " + e.getMessage(), "execution").toBuilder();
    } catch (RuntimeException e) {
      log.warn("event=operator_crashed attempt={} operator={}", key(r.task), r.task.getOperator(), e);
      out = result(r.task, ResultStatus.RESULT_STATUS_FAILED, "internal error: " + e, "internal").toBuilder();
    }
    long now = System.nanoTime();
    out.setDiagnostics(
        out.getDiagnostics().toBuilder()
            .setQueuedMicros((started - r.acceptedNanos) / 1_000)
            .setRunMicros((now - started) / 1_000));
    finish(r, out.build(), report);
  }

  /** Stops an attempt the orchestrator no longer wants; reports CANCELLED if it was running. */
  public boolean cancel(String key, String reason, Consumer<ResultDescriptor> report) {
    Running r = running.get(key);
    if (r == null) {
      return false;
    }
    finish(r, result(r.task, ResultStatus.RESULT_STATUS_CANCELLED, reason, ""), report);
    Future<?> f = r.future;
    if (f != null) {
      f.cancel(true);
    }
    return true;
  }

  /** Hands back everything still running (draining past its deadline, or the stream is gone). */
  public List<ResultDescriptor> releaseAll(String reason) {
    List<ResultDescriptor> out = new ArrayList<>();
    for (Running r : List.copyOf(running.values())) {
      finish(r, result(r.task, ResultStatus.RESULT_STATUS_RELEASED, reason, ""), out::add);
      Future<?> f = r.future;
      if (f != null) {
        f.cancel(true);
      }
    }
    return out;
  }

  private void finish(Running r, ResultDescriptor result, Consumer<ResultDescriptor> report) {
    if (!r.finished.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> t = r.timeout;
    if (t != null) {
      t.cancel(false);
    }
    running.remove(key(r.task));
    synchronized (admission) {
      admission.notifyAll();
    }
    report.accept(result);
  }

  /** Waits until nothing runs or the deadline passes; true if nothing runs. */
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (admission) {
      while (!running.isEmpty()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        admission.wait(left);
      }
    }
    return true;
  }

  private static ResultDescriptor result(TaskDescriptor t, ResultStatus status, String message, String kind) {
    return ResultDescriptor.newBuilder()
        .setAttempt(t.getAttempt())
        .setStatus(status)
        .setDiagnostics(Diagnostics.newBuilder().setMessage(clip(message)).setErrorKind(kind))
        .build();
  }

  private static String clip(String s) {
    return s == null ? "" : s.length() > 4000 ? s.substring(0, 4000) : s;
  }
}
