package dev.shoal.worker.internal;

import static dev.shoal.protocol.v1.RejectReason.REJECT_REASON_AT_CAPACITY;
import static dev.shoal.protocol.v1.RejectReason.REJECT_REASON_BAD_INPUT;
import static dev.shoal.protocol.v1.RejectReason.REJECT_REASON_DRAINING;
import static dev.shoal.protocol.v1.RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT;
import static dev.shoal.protocol.v1.RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR;

import com.google.protobuf.ByteString;
import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.ProtocolViolation;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.CancelAttempt;
import dev.shoal.protocol.v1.Diagnostics;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.WorkerMessage;
import dev.shoal.worker.DataStats;
import dev.shoal.worker.WorkerConfig;
import dev.shoal.worker.internal.data.DataException;
import dev.shoal.worker.internal.data.DataPlane;
import dev.shoal.worker.internal.data.DataUnavailableException;
import dev.shoal.worker.internal.data.DigestMismatchException;
import dev.shoal.worker.internal.data.UploadFailedException;
import dev.shoal.worker.internal.exec.ChunkSink;
import dev.shoal.worker.internal.exec.Outcome;
import dev.shoal.worker.internal.exec.Rejection;
import dev.shoal.worker.internal.exec.TaskExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission and execution of attempts: decides accept or reject for each dispatch, runs accepted
 * attempts with bounded concurrency, enforces their timeouts, and reports exactly one outcome per
 * attempt. Tensor operators are computed here; every other operator goes to the {@link
 * TaskExecutor} that runs it (an LLM server, an allowlisted command), which checks the task at
 * admission and streams its output through {@link ChunkSink}, while the rules above stay here.
 *
 * <p>Thread-safe. Admission (duplicate check, draining, capacity) happens under one lock, so two
 * dispatches never both take the last slot. Computation runs on the task executor, never on the
 * transport thread, except for operators that declare themselves {@linkplain Operator#isCheap()
 * cheap}, which run inline to save a thread hop. Only input shapes are examined on the transport
 * thread; tensor data is decoded on the thread that computes, and inputs by reference ({@code
 * tensor_ref}) are fetched there too, through the {@link DataPlane}, as large outputs are uploaded.
 */
final class TaskRunner {

  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

  /** Room left in a result message for everything but output data (ids, shapes, diagnostics). */
  private static final long RESULT_OVERHEAD_BYTES = 64 * 1024;

  /** How many finished attempts are remembered so a late duplicate dispatch is not run again. */
  private static final int RECENT_ATTEMPTS = 4096;

  private final WorkerConfig config;
  private final String peerId;
  private final MessageValidator validator;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService executor;
  private final Timing timing;
  private final ResultSealer sealer;
  private final DataPlane data;
  private final Map<OperatorId, TaskExecutor> executors = new HashMap<>();
  private final int maxDetail;
  private final long maxInlineBytes;

  private final Object lock = new Object();
  private final Map<String, Attempt> held = new ConcurrentHashMap<>();
  /** Finished attempts, oldest first: their ack and the session their result went out on. Guarded by {@link #lock}. */
  private final Map<String, Finished> recent =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Finished> eldest) {
          return size() > RECENT_ATTEMPTS;
        }
      };

  private record Finished(TaskAck ack, Session session) {}
  /** Guarded by {@link #lock}; volatile for lock-free reads in heartbeats. */
  private volatile boolean draining;

  TaskRunner(
      WorkerConfig config,
      String peerId,
      MessageValidator validator,
      ScheduledExecutorService scheduler,
      ExecutorService executor,
      Timing timing,
      ResultSealer sealer,
      DataPlane data,
      List<TaskExecutor> executors) {
    this.config = config;
    this.peerId = peerId;
    this.validator = validator;
    this.scheduler = scheduler;
    this.executor = executor;
    this.timing = timing;
    this.sealer = sealer;
    this.data = data;
    for (TaskExecutor e : executors) {
      for (OperatorId id : e.operators()) {
        if (this.executors.putIfAbsent(id, e) != null || config.operators().find(id).isPresent()) {
          throw new IllegalArgumentException("operator " + id + " is run by two executors");
        }
      }
    }
    this.maxDetail = validator.limits().maxDetailLength();
    this.maxInlineBytes = validator.limits().maxInlineBytes();
  }

  /** Closes the executors and the data plane: their connections and threads. */
  void close() {
    data.close();
    for (TaskExecutor e : Set.copyOf(executors.values())) {
      try {
        e.close();
      } catch (RuntimeException x) {
        log.warn("event=executor_close_failed peer={} executor={}", peerId, e.getClass().getSimpleName(), x);
      }
    }
  }

  /** Attempts held now: accepted and not yet reported. */
  int running() {
    return held.size();
  }

  boolean isDraining() {
    return draining;
  }

  DataStats dataStats() {
    return data.stats();
  }

  // ---- dispatch -------------------------------------------------------------------------

  /**
   * Handles one TaskDescriptor from {@code session}: one TaskAck goes back, except for an
   * accepted cheap operator, whose immediate result stands for the acceptance.
   */
  void dispatch(Session session, TaskDescriptor task) {
    AttemptRef ref = task.getAttempt();
    try {
      validator.checkTask(task);
    } catch (ProtocolViolation v) {
      reject(session, ref, REJECT_REASON_BAD_INPUT, v.getMessage());
      return;
    }
    String key = key(ref);
    Attempt accepted;
    synchronized (lock) {
      Attempt holding = held.get(key);
      Finished finished = holding != null ? null : recent.get(key);
      if (finished != null && finished.session() != session) {
        // Asked again on a new stream, the attempt's result is what went missing: an orchestrator
        // restarted before it recorded the dispatch reuses the attempt's number. Run it again;
        // answering with the old ack alone left the task waiting out its whole timeout.
        recent.remove(key);
        finished = null;
      }
      TaskAck prior = holding != null ? holding.ack : finished == null ? null : finished.ack();
      if (prior != null) {
        // Idempotency: the same attempt again gets the same answer and is never run twice.
        log.info(
            "event=duplicate_dispatch peer={} job={} task={} attempt={} running={}",
            peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), holding != null);
        session.send(WorkerMessage.newBuilder().setAck(prior).build());
        return;
      }
      Decision d = decide(task, session);
      switch (d) {
        case Reject r -> {
          reject(session, ref, r.reason(), r.detail());
          return;
        }
        case Accept a -> {
          TaskAck ack = TaskAck.newBuilder().setAttempt(ref).setAccepted(true).build();
          accepted = new Attempt(key, task, a.work(), session, ack, timing.nanoTime());
          held.put(key, accepted);
          if (!a.work().isCheap()) {
            // A cheap operator's result follows at once and implies acceptance (PROTOCOL.md):
            // one message instead of two on the hottest path.
            session.send(WorkerMessage.newBuilder().setAck(ack).build());
          }
        }
      }
    }
    log.debug(
        "event=task_accepted peer={} job={} task={} attempt={} operator={} timeout_ms={} running={}",
        peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), task.getOperator(), task.getTimeoutMs(), held.size());
    launch(accepted);
  }

  private sealed interface Decision permits Accept, Reject {}

  private record Accept(Work work) implements Decision {}

  private record Reject(RejectReason reason, String detail) implements Decision {}

  /** The admission rules, in the order the protocol documents them. Called under the lock. */
  private Decision decide(TaskDescriptor task, Session session) {
    if (draining) {
      return new Reject(REJECT_REASON_DRAINING, "worker is draining and accepts no new tasks");
    }
    int max = config.maxConcurrentTasks();
    if (held.size() >= max) {
      return new Reject(REJECT_REASON_AT_CAPACITY, "worker is running " + held.size() + " of " + max + " tasks");
    }
    OperatorId id = OperatorId.parse(task.getOperator());
    TaskExecutor executor = executors.get(id);
    Optional<Operator> found = executor != null ? Optional.empty() : config.operators().find(id);
    if (executor == null && found.isEmpty()) {
      return new Reject(REJECT_REASON_UNSUPPORTED_OPERATOR, "operator " + id + " is not run by this worker");
    }
    if (!task.getModel().isEmpty() && !config.models().contains(task.getModel())) {
      return new Reject(
          REJECT_REASON_UNSUPPORTED_OPERATOR, "model '" + printable(task.getModel()) + "' is not served by this worker");
    }
    if (executor != null) {
      return decideProgram(task, executor, session);
    }
    Operator operator = found.get();
    List<TensorSpec> inputs = new ArrayList<>(task.getInputsCount());
    long inputBytes = 0;
    boolean byReference = false;
    for (int i = 0; i < task.getInputsCount(); i++) {
      Value v = task.getInputs(i);
      if (v.hasRef()) {
        return new Reject(
            REJECT_REASON_BAD_INPUT,
            "inputs[" + i + "] is a bare DataRef: a tensor operator takes a tensor, or a tensor_ref (which has a dtype and shape)");
      }
      TensorSpec spec;
      try {
        // A tensor_ref is judged by its dtype and shape alone: nothing is fetched before acceptance.
        spec = v.hasTensorRef()
            ? spec(v.getTensorRef().getDtype(), v.getTensorRef().getShapeList())
            : spec(v.getTensor().getDtype(), v.getTensor().getShapeList());
      } catch (IllegalArgumentException | ArithmeticException e) {
        return new Reject(REJECT_REASON_BAD_INPUT, "inputs[" + i + "]: " + e.getMessage());
      }
      inputs.add(spec);
      inputBytes = saturatedAdd(inputBytes, spec.byteSize());
      byReference |= v.hasTensorRef();
    }
    Attributes attributes;
    List<TensorSpec> outputs;
    try {
      attributes = WireTensors.fromWire(task.getAttributesMap());
      outputs = operator.outputSpecs(List.copyOf(inputs), attributes);
    } catch (OperatorException e) {
      return new Reject(
          e.kind() == OperatorException.Kind.UNSUPPORTED ? REJECT_REASON_UNSUPPORTED_OPERATOR : REJECT_REASON_BAD_INPUT,
          e.getMessage());
    } catch (IllegalArgumentException e) {
      return new Reject(REJECT_REASON_BAD_INPUT, e.getMessage());
    } catch (RuntimeException e) {
      // An operator bug, not the task's fault; the protocol has no better reason to give.
      log.warn("event=output_specs_failed peer={} operator={}", peerId, id, e);
      return new Reject(REJECT_REASON_BAD_INPUT, id + " could not check these inputs: " + e);
    }
    String uploadUrl = task.getUploadUrl();
    if (!uploadUrl.isEmpty() && !DataPlane.isUploadUrl(uploadUrl)) {
      return new Reject(REJECT_REASON_BAD_INPUT, "upload_url is not an http(s) URL");
    }
    long outputBytes = 0;
    long inlineBytes = 0;
    for (TensorSpec s : outputs) {
      outputBytes = saturatedAdd(outputBytes, s.byteSize());
      if (uploads(uploadUrl, s.byteSize())) {
        byReference = true;
      } else {
        inlineBytes = saturatedAdd(inlineBytes, s.byteSize());
      }
    }
    // Every byte counts against memory, wherever it comes from or goes.
    long total = saturatedAdd(inputBytes, outputBytes);
    if (total > config.maxTaskBytes()) {
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT,
          "task needs " + total + " bytes (inputs " + inputBytes + " + outputs " + outputBytes
              + "), over this worker's max_task_bytes " + config.maxTaskBytes());
    }
    long messageLimit = messageLimit(session);
    if (inlineBytes > messageLimit) {
      // The result could never be delivered: one message carries every output not uploaded.
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT,
          "outputs need " + inlineBytes + " bytes, over the " + messageLimit + " bytes one result message can carry"
              + (uploadUrl.isEmpty() ? " (the task has no upload_url)" : ""));
    }
    Reject overResources = resources(task);
    return overResources != null ? overResources : new Accept(new Work.Tensors(operator, attributes, byReference));
  }

  /**
   * Admission of a task for an executor: inputs within {@code max_task_bytes}, resources, then
   * the executor's own checks. Its outputs may take what one result message and {@code
   * max_task_bytes} leave. Called under the lock.
   */
  private Decision decideProgram(TaskDescriptor task, TaskExecutor executor, Session session) {
    long inputBytes = 0;
    for (int i = 0; i < task.getInputsCount(); i++) {
      Value v = task.getInputs(i);
      if (v.hasRef() || v.hasTensorRef()) {
        return new Reject(
            REJECT_REASON_BAD_INPUT,
            "inputs[" + i + "] is a " + (v.hasRef() ? "DataRef" : "tensor_ref") + ": " + task.getOperator() + " takes its inputs inline");
      }
      inputBytes = saturatedAdd(inputBytes, v.hasBlob() ? v.getBlob().getData().size() : v.getTensor().getData().size());
    }
    if (inputBytes > config.maxTaskBytes()) {
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT,
          "inputs need " + inputBytes + " bytes, over this worker's max_task_bytes " + config.maxTaskBytes());
    }
    Reject overResources = resources(task);
    if (overResources != null) {
      return overResources;
    }
    TaskExecutor.Job job;
    try {
      job = executor.admit(task);
    } catch (Rejection e) {
      return new Reject(e.reason(), e.getMessage());
    } catch (RuntimeException e) {
      // An executor bug, not the task's fault; the protocol has no better reason to give.
      log.warn("event=admission_failed peer={} operator={}", peerId, task.getOperator(), e);
      return new Reject(REJECT_REASON_BAD_INPUT, task.getOperator() + " could not check this task: " + e);
    }
    long budget = Math.min(messageLimit(session), config.maxTaskBytes() - inputBytes);
    return new Accept(new Work.Program(job, budget));
  }

  /** The task's resource requirements against this worker's; null if they fit. */
  private Reject resources(TaskDescriptor task) {
    long memory = task.getResources().getMemoryBytes();
    if (memory > config.maxTaskBytes()) {
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT,
          "task asks for " + memory + " bytes of memory, over this worker's max_task_bytes " + config.maxTaskBytes());
    }
    String accelerator = task.getResources().getAccelerator();
    if (!accelerator.isEmpty() && config.accelerators().stream().noneMatch(x -> x.getKind().equals(accelerator))) {
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT, "task needs a '" + printable(accelerator) + "' accelerator; this worker has none");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    if (task.getResources().getCores() > cores) {
      return new Reject(
          REJECT_REASON_OVER_RESOURCE_LIMIT,
          "task asks for " + task.getResources().getCores() + " cores; this worker has " + cores);
    }
    return null;
  }

  private void reject(Session session, AttemptRef ref, RejectReason reason, String detail) {
    log.info(
        "event=task_rejected peer={} job={} task={} attempt={} reason={} detail=\"{}\"",
        peerId, printable(ref.getJobId()), printable(ref.getTaskId()), ref.getAttempt(), reason, printable(detail));
    session.send(
        WorkerMessage.newBuilder()
            .setAck(TaskAck.newBuilder().setAttempt(ref).setAccepted(false).setReason(reason).setDetail(clip(detail)))
            .build());
  }

  // ---- execution ------------------------------------------------------------------------

  private void launch(Attempt a) {
    if (a.work.isCheap()) {
      run(a, null);
      return;
    }
    AttemptChunks chunks = new AttemptChunks(a);
    // A job that can report without a task thread starts here, on the transport thread.
    CompletableFuture<Outcome> async =
        a.work instanceof Work.Program p ? p.job().start(chunks, p.outputBudget()).orElse(null) : null;
    try {
      a.deadline(scheduler.schedule(() -> timedOut(a), a.task.getTimeoutMs(), TimeUnit.MILLISECONDS));
      if (async == null) {
        a.execution(executor.submit(() -> run(a, chunks)));
        return;
      }
      long started = timing.nanoTime();
      a.started(started);
      // A cancel, timeout or release cancels the future, which stops the job.
      a.execution(async);
      async.whenComplete(
          (o, failure) -> {
            if (failure == null) {
              report(a, o, started);
            } else if (!(failure instanceof java.util.concurrent.CancellationException) && !a.isFinished()) {
              log.error("event=attempt_failed peer={} attempt={} error_kind=internal", peerId, a, failure);
              finish(a, result(a, ResultStatus.RESULT_STATUS_FAILED, "internal", "internal error: " + failure, List.of()), false);
            }
          });
    } catch (RejectedExecutionException e) {
      if (async != null) {
        async.cancel(true);
      }
      // Only after shutdown began: the attempt is handed back rather than silently forgotten.
      log.warn("event=attempt_not_started peer={} attempt={} reason=executor_shut_down", peerId, a);
      finish(a, result(a, ResultStatus.RESULT_STATUS_RELEASED, "", "worker is shutting down", List.of()), false);
    }
  }

  /** Reports what a job or operator computed (whoever finishes the attempt first wins). */
  private void report(Attempt a, Outcome outcome, long started) {
    switch (outcome) {
      case Outcome.Ok ok -> completed(a, ok, started);
      case Outcome.Failed f -> failed(a, f.errorKind(), f.message());
    }
  }

  /** Runs one attempt and reports it, unless another outcome was decided first. */
  private void run(Attempt a, AttemptChunks chunks) {
    long started = timing.nanoTime();
    a.started(started);
    if (a.isFinished()) {
      return;
    }
    AttemptRef ref = a.ref;
    try {
      Outcome outcome =
          switch (a.work) {
            case Work.Tensors t -> compute(a, t);
            case Work.Program p -> p.job().run(chunks, p.outputBudget());
          };
      report(a, outcome, started);
    } catch (InterruptedException e) {
      // An executor stopped because its thread was interrupted: normally by this attempt's own
      // cancel, timeout or release, which has reported already; otherwise the pool is stopping.
      if (finish(a, result(a, ResultStatus.RESULT_STATUS_RELEASED, "", "worker is shutting down", List.of()), false)) {
        log.warn("event=attempt_released peer={} job={} task={} attempt={} reason=interrupted",
            peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt());
      }
    } catch (InputFailed e) {
      inputFailed(a, e.index, e.failure);
    } catch (UploadFailedException e) {
      if (e.gaveUp()) {
        // It had exactly what was left of the attempt's time: the attempt timed out.
        timedOut(a);
      } else {
        failed(a, "upload_failed", e.getMessage());
      }
    } catch (OperatorException e) {
      failed(a, errorKind(e.kind()), e.getMessage());
    } catch (OutOfMemoryError e) {
      // One oversized task must not take the worker down: its memory is garbage once we return.
      if (finish(a, result(a, ResultStatus.RESULT_STATUS_FAILED, "internal", "over memory: " + e.getMessage(), List.of()), false)) {
        log.warn(
            "event=attempt_failed peer={} job={} task={} attempt={} error_kind=internal message=\"over memory\" detail=\"{}\"",
            peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), e.getMessage());
      }
    } catch (RuntimeException | StackOverflowError e) {
      if (a.isFinished()) {
        // Typically the interrupt of a cancelled or timed-out attempt surfacing in the operator.
        log.debug("event=outcome_ignored peer={} attempt={} reason=already_finished error=\"{}\"", peerId, a, e.toString());
        return;
      }
      log.error(
          "event=attempt_failed peer={} job={} task={} attempt={} error_kind=internal operator={}",
          peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), a.task.getOperator(), e);
      finish(a, result(a, ResultStatus.RESULT_STATUS_FAILED, "internal", "internal error: " + e, List.of()), false);
    }
  }

  /**
   * A tensor operator's outputs. Tensor data is decoded here, on the computing thread; inputs by
   * reference are fetched here and outputs uploaded, each within what is left of the timeout.
   */
  private Outcome compute(Attempt a, Work.Tensors t) throws InputFailed, UploadFailedException, InterruptedException {
    List<Tensor> inputs = new ArrayList<>(a.task.getInputsCount());
    for (int i = 0; i < a.task.getInputsCount(); i++) {
      Value v = a.task.getInputs(i);
      if (!v.hasTensorRef()) {
        inputs.add(WireTensors.fromWire(v.getTensor()));
        continue;
      }
      try {
        inputs.add(data.input(v.getTensorRef(), remaining(a)));
      } catch (DataException e) {
        throw new InputFailed(i, e);
      }
    }
    List<Tensor> outputs = t.operator().apply(inputs, t.attributes());
    List<Value> values = new ArrayList<>(outputs.size());
    for (Tensor out : outputs) {
      values.add(
          uploads(a.task.getUploadUrl(), out.spec().byteSize())
              ? data.output(a.task.getUploadUrl(), out, remaining(a))
              : Value.newBuilder().setTensor(WireTensors.toWire(out)).build());
    }
    return new Outcome.Ok(values, "");
  }

  /** An input by reference that could not be used, and which one it was. */
  private static final class InputFailed extends Exception {
    final int index;
    final DataException failure;

    InputFailed(int index, DataException failure) {
      super(failure);
      this.index = index;
      this.failure = failure;
    }
  }

  /**
   * A mismatched input ends the attempt {@code DATA_MISMATCH} (nothing was run, and the protocol
   * lets the orchestrator tell bad data from a bad worker); one that could not be had fails it,
   * or times it out when the fetch only gave up because it was given what was left of the
   * attempt's time and that ran out (the timer may fire a moment later; the first outcome wins).
   */
  private void inputFailed(Attempt a, int index, DataException failure) {
    AttemptRef ref = a.ref;
    String message = "inputs[" + index + "]: " + failure.getMessage();
    switch (failure) {
      case DigestMismatchException m -> {
        if (finish(a, result(a, ResultStatus.RESULT_STATUS_DATA_MISMATCH, "", message, List.of()), false)) {
          log.warn(
              "event=attempt_data_mismatch peer={} job={} task={} attempt={} input={} expected={} actual={}",
              peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), index, m.expected(), m.actual());
        }
      }
      case DataUnavailableException u -> {
        if (u.gaveUp()) {
          timedOut(a);
        } else {
          failed(a, "data_unavailable", message);
        }
      }
    }
  }

  /** Whether an output of {@code bytes} goes to the data service rather than inline. */
  private boolean uploads(String uploadUrl, long bytes) {
    return !uploadUrl.isEmpty() && bytes > maxInlineBytes;
  }

  private Duration remaining(Attempt a) {
    return timing.remaining(a.acceptedNanos, a.task.getTimeoutMs());
  }

  private void completed(Attempt a, Outcome.Ok ok, long started) {
    AttemptRef ref = a.ref;
    if (a.work instanceof Work.Program p) {
      long bytes = 0;
      for (Value v : ok.outputs()) {
        bytes += v.hasBlob() ? v.getBlob().getData().size() : v.getTensor().getData().size();
      }
      if (bytes > p.outputBudget()) {
        // Executors hold themselves to the budget; this only stops one that does not.
        failed(a, "execution", "outputs need " + bytes + " bytes, over the " + p.outputBudget() + " this result may carry");
        return;
      }
    }
    if (timing.expired(a.acceptedNanos, a.task.getTimeoutMs())) {
      // Inline (cheap) operators have no timer; a late finish still counts as a timeout.
      timedOut(a);
      return;
    }
    if (finish(a, result(a, ResultStatus.RESULT_STATUS_OK, "", ok.note(), ok.outputs()), false)) {
      log.debug(
          "event=attempt_completed peer={} job={} task={} attempt={} status=OK run_micros={}",
          peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), Timing.micros(started, timing.nanoTime()));
    }
  }

  private void failed(Attempt a, String errorKind, String message) {
    if (finish(a, result(a, ResultStatus.RESULT_STATUS_FAILED, errorKind, message, List.of()), false)) {
      log.info(
          "event=attempt_failed peer={} job={} task={} attempt={} error_kind={} message=\"{}\"",
          peerId, a.ref.getJobId(), a.ref.getTaskId(), a.ref.getAttempt(), errorKind, printable(message));
    }
  }

  /**
   * An attempt's streamed output: numbered from 0, split at the protocol's chunk limit (at a
   * UTF-8 boundary where there is one, so text chunks stay text), and sent only while the
   * attempt is live. The attempt's lock orders each chunk before any outcome, so no chunk ever
   * follows the result.
   */
  private final class AttemptChunks implements ChunkSink {
    private final Attempt a;
    private final int max = validator.limits().maxChunkBytes();
    /** Guarded by the attempt's lock. */
    private long seq;

    AttemptChunks(Attempt a) {
      this.a = a;
    }

    @Override
    public void send(String channel, byte[] data, int offset, int length) {
      synchronized (a) {
        while (length > 0) {
          if (a.isFinished()) {
            return;
          }
          int n = splitPoint(data, offset, length, max);
          a.session.send(
              WorkerMessage.newBuilder()
                  .setChunk(
                      OutputChunk.newBuilder()
                          .setAttempt(a.ref)
                          .setSeq(seq++)
                          .setChannel(channel)
                          .setData(ByteString.copyFrom(data, offset, n)))
                  .build());
          offset += n;
          length -= n;
        }
      }
    }
  }

  /** How many of {@code length} bytes go into the next chunk of at most {@code max}. */
  static int splitPoint(byte[] data, int offset, int length, int max) {
    if (length <= max) {
      return length;
    }
    int n = max;
    // Back off to the start of a UTF-8 sequence (at most 3 continuation bytes); binary data
    // with no boundary nearby is split at the limit.
    for (int k = 0; k < 3 && (data[offset + n] & 0xC0) == 0x80; k++) {
      n--;
    }
    return (data[offset + n] & 0xC0) == 0x80 ? max : n;
  }

  private void timedOut(Attempt a) {
    String message = "timed out after " + a.task.getTimeoutMs() + " ms";
    if (finish(a, result(a, ResultStatus.RESULT_STATUS_TIMED_OUT, "", message, List.of()), true)) {
      log.warn(
          "event=attempt_timed_out peer={} job={} task={} attempt={} timeout_ms={}",
          peerId, a.ref.getJobId(), a.ref.getTaskId(), a.ref.getAttempt(), a.task.getTimeoutMs());
    }
  }

  // ---- requests from the orchestrator and the worker ------------------------------------

  /** Stops an attempt the orchestrator no longer wants and reports CANCELLED. */
  void cancel(Session session, CancelAttempt cancel) {
    AttemptRef ref = cancel.getAttempt();
    Attempt a = held.get(key(ref));
    if (a == null || a.session != session) {
      log.debug(
          "event=cancel_ignored peer={} job={} task={} attempt={} reason=not_running",
          peerId, printable(ref.getJobId()), printable(ref.getTaskId()), ref.getAttempt());
      return;
    }
    String message = "cancelled by the orchestrator" + (cancel.getReason().isEmpty() ? "" : ": " + cancel.getReason());
    if (finish(a, result(a, ResultStatus.RESULT_STATUS_CANCELLED, "", message, List.of()), true)) {
      log.info(
          "event=attempt_cancelled peer={} job={} task={} attempt={} reason=\"{}\"",
          peerId, ref.getJobId(), ref.getTaskId(), ref.getAttempt(), printable(cancel.getReason()));
    }
  }

  /** From now on every dispatch is rejected DRAINING. */
  void startDraining() {
    synchronized (lock) {
      draining = true;
    }
  }

  /** Waits until every attempt held now has reported, or the timeout passes. */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    CompletableFuture<?>[] pending = held.values().stream().map(Attempt::done).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(pending).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("attempt completion futures never fail", e);
    }
  }

  /** Stops every held attempt and hands it back as RELEASED: not the task's fault. */
  void releaseAll(String reason) {
    for (Attempt a : held.values()) {
      if (finish(a, result(a, ResultStatus.RESULT_STATUS_RELEASED, "", reason, List.of()), true)) {
        log.warn(
            "event=attempt_released peer={} job={} task={} attempt={} reason=\"{}\"",
            peerId, a.ref.getJobId(), a.ref.getTaskId(), a.ref.getAttempt(), reason);
      }
    }
  }

  /**
   * The stream that carried these attempts is gone, so the orchestrator has marked them lost:
   * stop them and report nothing, freeing their slots for the next stream.
   */
  void sessionLost(Session session) {
    for (Attempt a : held.values()) {
      if (a.session == session && finish(a, null, true)) {
        log.info(
            "event=attempt_abandoned peer={} job={} task={} attempt={} reason=stream_lost",
            peerId, a.ref.getJobId(), a.ref.getTaskId(), a.ref.getAttempt());
      }
    }
  }

  /** Stops everything without a word: the worker is being killed. */
  void abortAll() {
    for (Attempt a : held.values()) {
      finish(a, null, true);
    }
  }

  // ---- outcomes -------------------------------------------------------------------------

  /**
   * Reports {@code result} (or nothing, if null) if no other outcome was decided first.
   * {@code interrupt} stops a computation still running for it.
   */
  private boolean finish(Attempt a, ResultDescriptor result, boolean interrupt) {
    if (!a.finish()) {
      return false;
    }
    synchronized (lock) {
      held.remove(a.key, a);
      if (result != null) {
        recent.put(a.key, new Finished(a.ack, a.session));
      }
    }
    if (interrupt) {
      a.interrupt();
    }
    if (result != null) {
      if (a.session.isOpen()) {
        for (ResultDescriptor sealed : sealer.seal(result)) {
          a.session.send(WorkerMessage.newBuilder().setResult(sealed).build());
        }
      } else {
        // The orchestrator marked the attempt lost when the stream broke; it would not apply this.
        log.info(
            "event=result_dropped peer={} job={} task={} attempt={} status={} reason=stream_down",
            peerId, a.ref.getJobId(), a.ref.getTaskId(), a.ref.getAttempt(), result.getStatus());
      }
    }
    a.done().complete(null);
    return true;
  }

  private ResultDescriptor result(Attempt a, ResultStatus status, String errorKind, String message, List<Value> outputs) {
    long now = timing.nanoTime();
    long started = a.startedNanos();
    Diagnostics.Builder d = Diagnostics.newBuilder().setErrorKind(errorKind).setMessage(clip(message));
    if (started != 0) {
      d.setQueuedMicros(Timing.micros(a.acceptedNanos, started)).setRunMicros(Timing.micros(started, now));
    } else {
      d.setQueuedMicros(Timing.micros(a.acceptedNanos, now));
    }
    return ResultDescriptor.newBuilder()
        .setAttempt(a.ref)
        .setStatus(status)
        .addAllOutputs(outputs)
        .setDiagnostics(d)
        .build();
  }

  // ---- helpers --------------------------------------------------------------------------

  /** Output bytes one result may carry: the orchestrator's message limit less room for framing. */
  private long messageLimit(Session session) {
    long limit = validator.limits().maxMessageBytes();
    // A stated limit too small to carry any result is ignored rather than refusing everything.
    if (session.welcome() != null && session.welcome().getMaxMessageBytes() > 2 * RESULT_OVERHEAD_BYTES) {
      limit = Math.min(limit, session.welcome().getMaxMessageBytes());
    }
    return limit - RESULT_OVERHEAD_BYTES;
  }

  static String key(AttemptRef ref) {
    return ref.getJobId() + "/" + ref.getTaskId() + "#" + ref.getAttempt();
  }

  private static TensorSpec spec(dev.shoal.protocol.v1.DType dtype, List<Long> shape) {
    int[] dims = new int[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(shape.get(i));
    }
    return new TensorSpec(WireTensors.fromWire(dtype), Shape.of(dims));
  }

  private static String errorKind(OperatorException.Kind kind) {
    return switch (kind) {
      case BAD_INPUT -> "bad_input";
      case EXECUTION -> "execution";
      case UNSUPPORTED -> "unsupported";
    };
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private String clip(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= maxDetail ? s : s.substring(0, maxDetail - 1) + "…";
  }

  /** Clips and escapes text that came from the wire before it reaches a log line. */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    return i < s.length() ? b + "…" : b.toString();
  }
}
