package dev.shoal.orchestrator.internal.core;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.lifecycle.Transitions;
import dev.shoal.orchestrator.internal.store.AttemptRecord;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.JobRecord;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.store.TaskRecord;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.CancelAttempt;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultReceipt;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.Welcome;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator's brain: jobs, tasks, attempts, connected workers and the dispatch loop. All
 * state lives in one {@link SynchronizationContext}, so every change is serialised without a
 * thread of its own: whoever calls in (a Netty event loop, an HTTP thread, a timer) runs the
 * queued work itself unless another thread already is. Nothing here blocks: durable writes are
 * appended to the {@link GroupCommitter}, and only acknowledgements wait for its barrier.
 * Thread-safe through that context; the public methods may be called from any thread.
 */
public final class Core implements JobService {

  private static final Logger log = LoggerFactory.getLogger(Core.class);
  private static final char[] ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  /** A task never takes more dispatches than this many times its retry budget, charged or not. */
  private static final int DISPATCH_CAP_FACTOR = 10;

  private final CoreSettings settings;
  private final Clock clock;
  private final StateStore store;
  private final GroupCommitter committer;
  private final Executor queryExecutor;
  private final SynchronizationContext sync;
  private final Executor inSync;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong sessionIds = new AtomicLong();

  private final Map<String, Job> jobs = new HashMap<>();
  private final Map<String, List<CompletableFuture<Optional<JobStatus>>>> finishWaiters = new HashMap<>();
  private final Map<String, ArrayDeque<Task>> ready = new LinkedHashMap<>();
  private final Map<Long, WorkerSession> sessions = new LinkedHashMap<>();
  private final Set<Task> dirtyTasks = new LinkedHashSet<>();
  private final Set<Attempt> dirtyAttempts = new LinkedHashSet<>();
  private List<Receipt> pendingReceipts = new ArrayList<>();
  /** Writes of the current action, handed to the committer in one go when it ends. */
  private List<StoreWrite> outbox = new ArrayList<>();
  private long nextSeq;
  /** Dispatch-to-result times of the latest attempts (a ring), for benchmarks and metrics. */
  private final long[] roundTrips = new long[1 << 16];
  private long roundTripCount;
  private boolean stopping;
  private Clock.Timer sweepTimer;

  public Core(CoreSettings settings, Clock clock, StateStore store, GroupCommitter committer, Executor queryExecutor) {
    this.settings = settings;
    this.clock = clock;
    this.store = store;
    this.committer = committer;
    this.queryExecutor = queryExecutor;
    this.sync =
        new SynchronizationContext(
            (thread, e) -> log.error("event=core_failure thread={} message=\"{}\"", thread.getName(), e.getMessage(), e));
    this.inSync = sync::execute;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Rebuilds unfinished jobs from the store (running attempts become lost) and starts the sweep. */
  public void start() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    act(
        () -> {
          nextSeq = store.lastEventSeq() + 1;
          int recovered = 0;
          for (JobRecord j : store.unfinishedJobs()) {
            recover(j);
            recovered++;
          }
          if (recovered > 0) {
            log.info("event=recovered jobs={} store=\"{}\"", recovered, store.describe());
          }
          sweepTimer = clock.schedule(inSync, this::sweep, settings.heartbeatIntervalMillis());
          done.complete(null);
        });
    done.join();
  }

  /** Stops taking work; connected workers are told nothing (their streams close with the server). */
  public void stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    act(
        () -> {
          stopping = true;
          if (sweepTimer != null) {
            sweepTimer.cancel();
          }
          done.complete(null);
        });
    done.join();
  }

  public CoreSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------- client side

  @Override
  public CompletableFuture<String> submit(JobPlan plan) {
    CompletableFuture<String> accepted = new CompletableFuture<>();
    act(
        () -> {
          if (stopping || !committer.isHealthy()) {
            accepted.completeExceptionally(new Unavailable("the orchestrator is not accepting jobs now"));
            return;
          }
          long now = clock.millis();
          String id = newJobId(now);
          Job job = new Job(id, plan.kind(), plan.spec(), now, plan.deadlineMillis() > 0 ? now + plan.deadlineMillis() : 0);
          List<TaskRecord> records = new ArrayList<>(plan.tasks().size());
          int index = 0;
          for (PlannedTask p : plan.tasks()) {
            Task t = new Task(job, p.taskId(), index, p.template(), p.maxAttempts(), p.expectedOutputs());
            job.tasks.put(t.id, t);
            job.counts[TaskState.READY.ordinal()]++;
            records.add(
                new TaskRecord(
                    id, t.id, index, p.template().toByteArray(), t.maxAttempts, TaskState.READY, 0, 0, null, null,
                    null, now));
            index++;
          }
          jobs.put(id, job);
          outbox.add(
              new StoreWrite.PutJob(
                  new JobRecord(
                      id, plan.kind(), plan.spec(), JobState.RUNNING, now, 0, records.size(), null, job.deadlineAt),
                  records));
          event("job", job, null, null, "", JobState.RUNNING.name(), "accepted tasks=" + records.size());
          for (Task t : job.tasks.values()) {
            enqueue(t);
          }
          if (job.deadlineAt > 0) {
            clock.schedule(inSync, () -> expire(job), job.deadlineAt - now);
          }
          log.info("event=job_accepted job={} kind={} tasks={}", id, plan.kind(), records.size());
          if (job.tasks.isEmpty()) {
            finishJobIfDone(job);
          }
          durable()
              .whenComplete(
                  (ok, e) -> {
                    if (e != null) {
                      accepted.completeExceptionally(new Unavailable("store failed: " + e.getMessage()));
                    } else {
                      accepted.complete(id);
                    }
                  });
        });
    return accepted;
  }

  @Override
  public CompletableFuture<CancelOutcome> cancel(String jobId) {
    CompletableFuture<CancelOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          Job job = jobs.get(jobId);
          if (job == null) {
            queryExecutor.execute(
                () ->
                    out.complete(
                        store.job(jobId).map(j -> CancelOutcome.ALREADY_FINISHED).orElse(CancelOutcome.NOT_FOUND)));
            return;
          }
          if (job.state.isTerminal()) {
            out.complete(CancelOutcome.ALREADY_FINISHED);
            return;
          }
          job.error = "cancelled by the client";
          for (Task t : job.tasks.values()) {
            settle(t, TaskState.CANCELLED, "cancelled by the client");
          }
          finishJobIfDone(job);
          durable().whenComplete((ok, e) -> out.complete(CancelOutcome.CANCELLED));
        });
    return out;
  }

  @Override
  public CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId) {
    CompletableFuture<CancelOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          Job job = jobs.get(jobId);
          Task t = job == null ? null : job.tasks.get(taskId);
          if (t == null) {
            queryExecutor.execute(
                () ->
                    out.complete(
                        store.task(jobId, taskId).map(x -> CancelOutcome.ALREADY_FINISHED).orElse(CancelOutcome.NOT_FOUND)));
            return;
          }
          if (t.state.isTerminal()) {
            out.complete(CancelOutcome.ALREADY_FINISHED);
            return;
          }
          settle(t, TaskState.CANCELLED, "cancelled by the client");
          if (job.error == null) {
            job.error = "task " + taskId + " was cancelled by the client";
          }
          finishJobIfDone(job);
          durable().whenComplete((ok, e) -> out.complete(CancelOutcome.CANCELLED));
        });
    return out;
  }

  @Override
  public CompletableFuture<Optional<JobStatus>> job(String jobId) {
    return inMemoryOrStore(
        () -> Optional.ofNullable(jobs.get(jobId)).map(Job::status),
        () -> store.job(jobId).map(j -> statusFromStore(j, store.tasks(j.id()))));
  }

  @Override
  public CompletableFuture<List<JobStatus>> recentJobs(int limit) {
    CompletableFuture<List<JobStatus>> out = new CompletableFuture<>();
    act(
        () -> {
          Map<String, JobStatus> live = new HashMap<>();
          jobs.values().forEach(j -> live.put(j.id, j.status()));
          queryExecutor.execute(
              () -> {
                try {
                  Map<String, JobStatus> all = new LinkedHashMap<>(live);
                  for (JobRecord r : store.recentJobs(limit)) {
                    all.computeIfAbsent(r.id(), id -> statusFromStore(r, store.tasks(id)));
                  }
                  out.complete(
                      all.values().stream()
                          .sorted(Comparator.comparingLong(JobStatus::createdAt).reversed().thenComparing(JobStatus::id))
                          .limit(limit)
                          .toList());
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              });
        });
    return out;
  }

  @Override
  public CompletableFuture<Optional<TaskStatus>> task(String jobId, String taskId) {
    return inMemoryOrStore(
        () -> Optional.ofNullable(jobs.get(jobId)).map(j -> j.tasks.get(taskId)).map(Core::taskStatus),
        () ->
            store
                .task(jobId, taskId)
                .map(
                    r ->
                        taskStatusFromStore(
                            r,
                            store.attempts(jobId, taskId).stream()
                                .map(a -> new AttemptStatus(a.attempt(), a.peerId(), a.state(), a.dispatchedAt(), a.endedAt(), a.detail()))
                                .toList())));
  }

  @Override
  public CompletableFuture<Optional<JobOutcome>> outcome(String jobId) {
    return inMemoryOrStore(
        () ->
            Optional.ofNullable(jobs.get(jobId))
                .map(
                    j ->
                        new JobOutcome(
                            j.status(),
                            j.spec,
                            j.tasks.values().stream()
                                .map(t -> new JobOutcome.TaskOutcome(t.id, t.state, t.result, t.error))
                                .toList())),
        () ->
            store
                .job(jobId)
                .map(
                    j -> {
                      List<TaskRecord> tasks = store.tasks(jobId);
                      return new JobOutcome(
                          statusFromStore(j, tasks),
                          j.spec(),
                          tasks.stream()
                              .map(t -> new JobOutcome.TaskOutcome(t.taskId(), t.state(), parseResult(t.result()), t.error()))
                              .toList());
                    }));
  }

  @Override
  public CompletableFuture<Optional<JobStatus>> whenFinished(String jobId) {
    CompletableFuture<Optional<JobStatus>> out = new CompletableFuture<>();
    act(
        () -> {
          Job job = jobs.get(jobId);
          if (job != null && !job.state.isTerminal()) {
            finishWaiters.computeIfAbsent(jobId, k -> new ArrayList<>()).add(out);
            return;
          }
          if (job != null) {
            JobStatus s = job.status();
            durable().whenComplete((ok, e) -> out.complete(Optional.of(s)));
            return;
          }
          queryExecutor.execute(
              () -> {
                try {
                  out.complete(store.job(jobId).map(j -> statusFromStore(j, store.tasks(jobId))));
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              });
        });
    return out;
  }

  @Override
  public CompletableFuture<List<WorkerStatus>> workers() {
    return query(() -> sessions.values().stream().map(WorkerSession::status).toList());
  }

  // ---------------------------------------------------------------- worker side

  /**
   * The dispatch-to-result times (nanoseconds) of up to the last 65 536 attempts that ended with a
   * result, oldest first: the protocol round trip as the orchestrator sees it.
   */
  public CompletableFuture<long[]> recentRoundTrips() {
    return query(
        () -> {
          int n = (int) Math.min(roundTripCount, roundTrips.length);
          long[] out = new long[n];
          for (int i = 0; i < n; i++) {
            out[i] = roundTrips[(int) ((roundTripCount - n + i) & (roundTrips.length - 1))];
          }
          return out;
        });
  }

  /** A new session id for a stream that has just been opened. */
  public long newSessionId() {
    return sessionIds.incrementAndGet();
  }

  /** Admits a worker whose Hello has been verified and whose version was agreed. */
  public void connected(WorkerSession session) {
    act(
        () -> {
          if (stopping) {
            session.channel.close(Status.UNAVAILABLE.withDescription("orchestrator is shutting down"));
            return;
          }
          // A second stream from the same key replaces the first: the old one is gone.
          for (WorkerSession old : List.copyOf(sessions.values())) {
            if (old.peerId.equals(session.peerId)) {
              old.channel.close(Status.ALREADY_EXISTS.withDescription("replaced by a newer stream from the same peer"));
              gone(old, "replaced by a newer stream");
            }
          }
          sessions.put(session.sessionId, session);
          session.channel.send(
              OrchestratorMessage.newBuilder()
                  .setWelcome(
                      Welcome.newBuilder()
                          .setNegotiated(parseVersion(session.protocolVersion))
                          .setPeerId(session.peerId)
                          .setHeartbeatIntervalMs(settings.heartbeatIntervalMillis())
                          .setMissedHeartbeatsLimit(settings.missedHeartbeats())
                          .setOrchestratorId(settings.orchestratorId())
                          .setMaxMessageBytes(64L << 20))
                  .build());
          workerEvent(session, "", "connected", "capacity=" + session.capacity + " operators=" + session.operators.size());
          log.info(
              "event=worker_connected peer={} name=\"{}\" capacity={} operators={}",
              session.peerId, session.descriptor.getName(), session.capacity, session.operators.size());
        });
  }

  /** The stream ended (closed, broken or cancelled). */
  public void disconnected(WorkerSession session, String reason) {
    act(() -> gone(session, reason));
  }

  public void heartbeat(WorkerSession session, Heartbeat heartbeat) {
    act(
        () -> {
          session.lastSeen = clock.millis();
          session.load = heartbeat.getLoad();
          if (heartbeat.getDraining() && !session.draining) {
            session.draining = true;
            workerEvent(session, "connected", "draining", "");
          }
        });
  }

  /** The worker said goodbye: it holds no more attempts it will finish. */
  public void goodbye(WorkerSession session, String reason) {
    act(
        () -> {
          session.channel.close(Status.OK.withDescription("goodbye"));
          gone(session, "goodbye: " + reason);
        });
  }

  public void ack(WorkerSession session, TaskAck ack) {
    act(
        () -> {
          session.lastSeen = clock.millis();
          AttemptRef ref = ack.getAttempt();
          Attempt a = find(session, ref);
          if (a == null) {
            protocolError(session, ErrorCode.ERROR_CODE_UNKNOWN_ATTEMPT, "no such attempt was dispatched to you", "ack " + key(ref));
            return;
          }
          if (a.state != AttemptState.DISPATCHED) {
            // A repeated or late acknowledgement changes nothing.
            log.debug("event=ack_ignored attempt={} state={}", a.key(), a.state);
            return;
          }
          if (ack.getAccepted()) {
            setAttempt(a, AttemptState.ACCEPTED, "");
            // The event records it; the attempt's row catches up when it ends. A restart treats
            // DISPATCHED and ACCEPTED alike (both become LOST), so this saves a row per task.
            dirtyAttempts.remove(a);
            return;
          }
          String reason = ack.getReason().name().substring("REJECT_REASON_".length()).toLowerCase() + ": " + ack.getDetail();
          end(a, AttemptState.REJECTED, reason);
          release(a);
          boolean workersFault = ack.getReason() == RejectReason.REJECT_REASON_AT_CAPACITY
              || ack.getReason() == RejectReason.REJECT_REASON_DRAINING;
          if (ack.getReason() == RejectReason.REJECT_REASON_DRAINING && !session.draining) {
            session.draining = true;
            workerEvent(session, "connected", "draining", "rejected a task while draining");
          }
          attemptFinished(a, !workersFault, "rejected by " + session.peerId + ": " + reason);
        });
  }

  public void result(WorkerSession session, ResultDescriptor result) {
    act(
        () -> {
          session.lastSeen = clock.millis();
          AttemptRef ref = result.getAttempt();
          Attempt a = find(session, ref);
          if (a == null) {
            receipt(session, ref, Disposition.DISPOSITION_UNKNOWN, "no such attempt was dispatched to you");
            return;
          }
          release(a);
          if (a.state.isLive() && a.sentNanos != 0) {
            roundTrips[(int) (roundTripCount++ & (roundTrips.length - 1))] = clock.nanos() - a.sentNanos;
          }
          if (!a.state.isLive()) {
            if (a.state == AttemptState.CANCELLED || a.state == AttemptState.TIMED_OUT || a.state == AttemptState.LOST) {
              setAttempt(a, AttemptState.LATE, "late " + statusName(result) + " after " + a.state.wireName());
              receipt(session, ref, Disposition.DISPOSITION_LATE, "the attempt had already ended; kept, not applied");
            } else {
              receipt(session, ref, Disposition.DISPOSITION_DUPLICATE, "already answered");
            }
            return;
          }
          switch (result.getStatus()) {
            case RESULT_STATUS_OK -> completed(session, a, result);
            case RESULT_STATUS_TIMED_OUT -> {
              end(a, AttemptState.TIMED_OUT, "worker timeout: " + result.getDiagnostics().getMessage());
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              attemptFinished(a, true, "timed out on " + session.peerId);
            }
            case RESULT_STATUS_RELEASED -> {
              // Only a leaving worker hands work back: send it nothing more.
              if (!session.draining) {
                session.draining = true;
                workerEvent(session, "connected", "draining", "handed back an attempt");
              }
              end(a, AttemptState.RELEASED, result.getDiagnostics().getMessage());
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              attemptFinished(a, false, "handed back by " + session.peerId);
            }
            default -> {
              // FAILED, or CANCELLED without our asking: either way the operator did not finish.
              String why = result.getDiagnostics().getErrorKind() + ": " + result.getDiagnostics().getMessage();
              end(a, AttemptState.FAILED, why);
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              attemptFinished(a, true, "failed on " + session.peerId + ": " + why);
            }
          }
        });
  }

  /** A chunk of streamed output; recorded as liveness only in this version. */
  public void touched(WorkerSession session) {
    act(() -> session.lastSeen = clock.millis());
  }

  /** Refuses one message on a session without changing anything. */
  public void protocolError(WorkerSession session, ErrorCode code, String message, String subject) {
    session.channel.send(
        OrchestratorMessage.newBuilder()
            .setError(ProtocolError.newBuilder().setCode(code).setMessage(message).setSubject(subject))
            .build());
  }

  // ---------------------------------------------------------------- transitions

  private void completed(WorkerSession session, Attempt a, ResultDescriptor result) {
    Task t = a.task;
    end(a, AttemptState.COMPLETED, "");
    if (t.state != TaskState.RUNNING || t.live != a) {
      receipt(session, result.getAttempt(), Disposition.DISPOSITION_LATE, "the task was already settled");
      return;
    }
    setTask(t, TaskState.VALIDATING, "result from " + session.peerId);
    String invalid = validate(t, result);
    if (invalid != null) {
      receipt(session, result.getAttempt(), Disposition.DISPOSITION_INVALID, invalid);
      log.warn("event=result_invalid attempt={} peer={} reason=\"{}\"", a.key(), session.peerId, invalid);
      attemptFinished(a, true, "invalid result from " + session.peerId + ": " + invalid);
      return;
    }
    t.live = null;
    t.result = result;
    t.resultPeer = session.peerId;
    setTask(t, TaskState.SUCCEEDED, "accepted from " + session.peerId);
    receipt(session, result.getAttempt(), Disposition.DISPOSITION_ACCEPTED, "");
    finishJobIfDone(t.job);
  }

  /** Structural validation: the outputs must be exactly what the operator promises for these inputs. */
  private static String validate(Task t, ResultDescriptor r) {
    if (r.getOutputsCount() != t.expectedOutputs.size()) {
      return "expected " + t.expectedOutputs.size() + " outputs, got " + r.getOutputsCount();
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      Value v = r.getOutputs(i);
      if (!v.hasTensor()) {
        return "output " + i + " is not an inline tensor";
      }
      TensorSpec expected = t.expectedOutputs.get(i);
      var wire = v.getTensor();
      if (WireTensors.fromWire(wire.getDtype()) != expected.dtype()) {
        return "output " + i + " has dtype " + wire.getDtype() + ", expected " + expected.dtype().wireName();
      }
      int[] dims = expected.shape().dims();
      if (wire.getShapeCount() != dims.length) {
        return "output " + i + " has rank " + wire.getShapeCount() + ", expected " + dims.length;
      }
      for (int d = 0; d < dims.length; d++) {
        if (wire.getShape(d) != dims[d]) {
          return "output " + i + " has shape " + wire.getShapeList() + ", expected " + expected.shape();
        }
      }
    }
    return null;
  }

  /**
   * After the task's live attempt ended without a valid result: retry with backoff, or fail when
   * the budget is spent. {@code charged} says whether the attempt counts against the budget.
   */
  private void attemptFinished(Attempt a, boolean charged, String reason) {
    Task t = a.task;
    if (t.state.isTerminal() || t.live != a) {
      return;
    }
    t.live = null;
    if (charged) {
      t.retriesUsed++;
    }
    if (t.retriesUsed >= t.maxAttempts) {
      t.error = "retry budget spent (" + t.maxAttempts + " attempts); last: " + reason;
      setTask(t, TaskState.FAILED, t.error);
      failFast(t.job, t);
      return;
    }
    if (t.attempts.size() >= t.maxAttempts * DISPATCH_CAP_FACTOR) {
      t.error = "dispatched " + t.attempts.size() + " times without a result; last: " + reason;
      setTask(t, TaskState.FAILED, t.error);
      failFast(t.job, t);
      return;
    }
    setTask(t, TaskState.READY, reason);
    t.job.retries++;
    long backoff = charged ? backoff(t.retriesUsed) : 0;
    if (backoff == 0) {
      enqueue(t);
    } else {
      clock.schedule(inSync, () -> act(() -> {
        if (t.state == TaskState.READY) {
          enqueue(t);
        }
      }), backoff);
    }
  }

  private long backoff(int retriesUsed) {
    long base = settings.backoffBaseMillis();
    long delay = base << Math.min(20, Math.max(0, retriesUsed - 1));
    long capped = Math.min(settings.backoffMaxMillis(), delay);
    // Jitter keeps a burst of failures from coming back as a burst.
    return capped == 0 ? 0 : capped / 2 + (long) (random.nextDouble() * (capped / 2.0));
  }

  /** One failed task fails its job: the other tasks are cancelled instead of burning workers. */
  private void failFast(Job job, Task failed) {
    job.error = "task " + failed.id + " failed: " + failed.error;
    for (Task t : job.tasks.values()) {
      settle(t, TaskState.CANCELLED, "job failed: task " + failed.id + " failed");
    }
    finishJobIfDone(job);
  }

  private void expire(Job job) {
    act(
        () -> {
          if (job.state.isTerminal()) {
            return;
          }
          job.error = "deadline passed";
          for (Task t : job.tasks.values()) {
            settle(t, TaskState.EXPIRED, "job deadline passed");
          }
          finishJobIfDone(job);
        });
  }

  /** Ends an unfinished task from outside (cancel, expiry, fail-fast), stopping its live attempt. */
  private void settle(Task t, TaskState to, String reason) {
    if (t.state.isTerminal()) {
      return;
    }
    if (t.live != null) {
      Attempt a = t.live;
      t.live = null;
      end(a, AttemptState.CANCELLED, reason);
      tellToStop(a, reason);
    }
    setTask(t, to, reason);
  }

  private void tellToStop(Attempt a, String reason) {
    if (a.session != null && !a.session.gone) {
      a.session.channel.send(
          OrchestratorMessage.newBuilder()
              .setCancel(CancelAttempt.newBuilder().setAttempt(ref(a)).setReason(reason))
              .build());
      if (a.holdsSlot) {
        // Keep the slot until the worker confirms, but not forever if it never does.
        a.slotRelease = clock.schedule(inSync, () -> act(() -> release(a)), settings.slotHoldMillis());
      }
    }
  }

  private void finishJobIfDone(Job job) {
    if (job.state.isTerminal() || job.unfinished() > 0) {
      return;
    }
    JobState to;
    if (job.counts[TaskState.SUCCEEDED.ordinal()] == job.tasks.size()) {
      to = JobState.SUCCEEDED;
    } else if (job.counts[TaskState.FAILED.ordinal()] > 0) {
      to = JobState.FAILED;
    } else if (job.counts[TaskState.EXPIRED.ordinal()] > 0) {
      to = JobState.EXPIRED;
    } else {
      to = JobState.CANCELLED;
    }
    JobState from = job.state;
    job.state = to;
    job.finishedAt = clock.millis();
    flush();
    outbox.add(new StoreWrite.SetJobState(job.id, to, job.finishedAt, job.error));
    event("job", job, null, null, from.name(), to.name(), job.error == null ? "" : job.error);
    log.info(
        "event=job_finished job={} state={} tasks={} attempts={} retries={}",
        job.id, to.wireName(), job.tasks.size(), job.attempts, job.retries);
    // Once durable, the store can answer for the job; memory keeps it a while for late results.
    flushOutbox();
    List<CompletableFuture<Optional<JobStatus>>> waiting = finishWaiters.remove(job.id);
    if (waiting != null) {
      Optional<JobStatus> status = Optional.of(job.status());
      committer.afterCommit(() -> waiting.forEach(f -> f.complete(status)));
    }
    committer.afterCommit(
        () -> clock.schedule(inSync, () -> act(() -> jobs.remove(job.id)), settings.retainFinishedMillis()));
  }

  private void gone(WorkerSession s, String reason) {
    if (s.gone) {
      return;
    }
    s.gone = true;
    sessions.remove(s.sessionId);
    for (Attempt a : List.copyOf(s.holding.values())) {
      release(a);
      if (a.state.isLive()) {
        end(a, AttemptState.LOST, "worker gone: " + reason);
        attemptFinished(a, true, "worker " + s.peerId + " gone: " + reason);
      }
    }
    workerEvent(s, "connected", "gone", reason);
    log.info("event=worker_gone peer={} reason=\"{}\"", s.peerId, reason);
  }

  /** Every heartbeat interval: send our heartbeat, and drop workers that have gone quiet. */
  private void sweep() {
    act(
        () -> {
          long now = clock.millis();
          long limit = settings.heartbeatIntervalMillis() * settings.missedHeartbeats();
          Heartbeat ours =
              Heartbeat.newBuilder().setSentAtMs(now).setLoad(Load.newBuilder().setRunningTasks(countLive())).build();
          for (WorkerSession s : List.copyOf(sessions.values())) {
            if (now - s.lastSeen > limit) {
              String reason = "missed " + settings.missedHeartbeats() + " heartbeats";
              s.channel.close(Status.UNAVAILABLE.withDescription(reason));
              gone(s, reason);
            } else {
              s.channel.send(OrchestratorMessage.newBuilder().setHeartbeat(ours).build());
            }
          }
          if (!stopping) {
            sweepTimer = clock.schedule(inSync, this::sweep, settings.heartbeatIntervalMillis());
          }
        });
  }

  private int countLive() {
    int n = 0;
    for (WorkerSession s : sessions.values()) {
      n += s.reserved;
    }
    return n;
  }

  // ---------------------------------------------------------------- dispatch

  private void enqueue(Task t) {
    ready.computeIfAbsent(t.requirementKey(), k -> new ArrayDeque<>()).addLast(t);
  }

  /** Hands ready tasks to workers with free slots, reserving each slot before the send. */
  private void dispatch() {
    if (stopping || ready.isEmpty() || sessions.isEmpty()) {
      return;
    }
    var queues = ready.entrySet().iterator();
    while (queues.hasNext()) {
      ArrayDeque<Task> queue = queues.next().getValue();
      while (!queue.isEmpty()) {
        Task t = queue.peekFirst();
        if (t.state != TaskState.READY || t.live != null) {
          queue.pollFirst();
          continue;
        }
        WorkerSession w = pick(t);
        if (w == null) {
          break;
        }
        queue.pollFirst();
        startAttempt(t, w);
      }
      if (queue.isEmpty()) {
        queues.remove();
      }
    }
  }

  /**
   * The least loaded worker that can run the task and has a free slot, preferring one that has
   * not tried it before (a retry should not land on the worker that just failed it).
   */
  private WorkerSession pick(Task t) {
    WorkerSession best = null;
    WorkerSession bestFresh = null;
    for (WorkerSession s : sessions.values()) {
      if (s.freeSlots() <= 0 || !s.canRun(t)) {
        continue;
      }
      if (best == null || better(s, best)) {
        best = s;
      }
      if (!t.triedPeers.contains(s.peerId) && (bestFresh == null || better(s, bestFresh))) {
        bestFresh = s;
      }
    }
    return bestFresh != null ? bestFresh : best;
  }

  private static boolean better(WorkerSession a, WorkerSession b) {
    // Compare free fractions without division: a.free/a.cap > b.free/b.cap.
    long lhs = (long) a.freeSlots() * b.capacity;
    long rhs = (long) b.freeSlots() * a.capacity;
    if (lhs != rhs) {
      return lhs > rhs;
    }
    return a.load.getCpuLoad() < b.load.getCpuLoad();
  }

  private void startAttempt(Task t, WorkerSession w) {
    long now = clock.millis();
    Attempt a = new Attempt(t, t.attempts.size() + 1, w.peerId, w, AttemptState.DISPATCHED, now);
    t.attempts.add(a);
    t.live = a;
    t.triedPeers.add(w.peerId);
    t.job.attempts++;
    w.reserved++;
    a.holdsSlot = true;
    w.holding.put(a.key(), a);
    dirtyAttempts.add(a);
    event("attempt", t.job, t, a, "", AttemptState.DISPATCHED.name(), "to " + w.peerId);
    setTask(t, TaskState.RUNNING, "attempt " + a.number + " on " + w.peerId);
    a.deadline =
        clock.schedule(
            inSync, () -> act(() -> deadlinePassed(a)), t.template.getTimeoutMs() + settings.ackGraceMillis());
    TaskDescriptor descriptor = t.template.toBuilder().setAttempt(ref(a)).build();
    a.sentNanos = clock.nanos();
    w.channel.send(OrchestratorMessage.newBuilder().setDispatch(descriptor).build());
  }

  private void deadlinePassed(Attempt a) {
    if (!a.state.isLive()) {
      return;
    }
    String reason = "no result within " + a.task.template.getTimeoutMs() + " ms (+" + settings.ackGraceMillis() + " ms grace)";
    end(a, AttemptState.TIMED_OUT, reason);
    tellToStop(a, reason);
    attemptFinished(a, true, "timed out on " + a.peerId);
  }

  /** Frees the slot an attempt holds on its worker, once. */
  private void release(Attempt a) {
    if (!a.holdsSlot) {
      return;
    }
    a.holdsSlot = false;
    if (a.slotRelease != null) {
      a.slotRelease.cancel();
    }
    WorkerSession s = a.session;
    if (s != null) {
      s.reserved--;
      s.holding.remove(a.key());
    }
  }

  // ---------------------------------------------------------------- bookkeeping

  private void setTask(Task t, TaskState to, String detail) {
    TaskState from = t.state;
    t.state = Transitions.task(from, to);
    t.job.counts[from.ordinal()]--;
    t.job.counts[to.ordinal()]++;
    dirtyTasks.add(t);
    event("task", t.job, t, null, from.name(), to.name(), detail);
  }

  private void setAttempt(Attempt a, AttemptState to, String detail) {
    AttemptState from = a.state;
    a.state = Transitions.attempt(from, to);
    if (!detail.isEmpty()) {
      a.detail = detail;
    }
    dirtyAttempts.add(a);
    event("attempt", a.task.job, a.task, a, from.name(), to.name(), detail);
  }

  /** Moves an attempt out of its live states and stops its deadline. */
  private void end(Attempt a, AttemptState to, String detail) {
    setAttempt(a, to, detail);
    a.endedAt = clock.millis();
    if (a.deadline != null) {
      a.deadline.cancel();
      a.deadline = null;
    }
  }

  private void event(String kind, Job job, Task task, Attempt attempt, String from, String to, String detail) {
    outbox.add(
        new StoreWrite.AppendEvent(
            new EventRecord(
                nextSeq++,
                clock.millis(),
                kind,
                job == null ? "" : job.id,
                task == null ? "" : task.id,
                attempt == null ? 0 : attempt.number,
                attempt == null ? "" : attempt.peerId,
                from,
                to,
                detail)));
  }

  private void workerEvent(WorkerSession s, String from, String to, String detail) {
    outbox.add(
        new StoreWrite.AppendEvent(
            new EventRecord(nextSeq++, clock.millis(), "worker", "", "", 0, s.peerId, from, to, detail)));
  }

  /** Completes once everything this action has written so far is durable. */
  private CompletableFuture<Void> durable() {
    flushOutbox();
    return committer.barrier();
  }

  private void flushOutbox() {
    if (!outbox.isEmpty()) {
      List<StoreWrite> writes = outbox;
      outbox = new ArrayList<>();
      try {
        committer.appendAll(writes);
      } catch (dev.shoal.orchestrator.internal.store.StoreException e) {
        if (!stopping) {
          throw e;
        }
        // Streams closing during shutdown still report; nothing after stop() is acknowledged.
        log.debug("event=writes_dropped_after_stop writes={}", writes.size());
      }
    }
  }

  /** Writes the latest state of every task and attempt changed by the current action. */
  private void flush() {
    long now = clock.millis();
    for (Task t : dirtyTasks) {
      byte[] result = t.state == TaskState.SUCCEEDED && t.result != null ? t.result.toByteArray() : null;
      outbox.add(
          new StoreWrite.SetTaskState(
              t.job.id, t.id, t.state, t.retriesUsed, t.attempts.size(), t.error, result, t.resultPeer, now));
    }
    dirtyTasks.clear();
    for (Attempt a : dirtyAttempts) {
      outbox.add(
          new StoreWrite.PutAttempt(
              new AttemptRecord(a.task.job.id, a.task.id, a.number, a.peerId, a.state, a.dispatchedAt, a.endedAt, a.detail)));
    }
    dirtyAttempts.clear();
    flushOutbox();
  }

  /**
   * Runs one action in the core's context, then dispatches what it enabled and writes what it
   * changed. Receipts wait for the commit: "accepted" tells a worker its result is durable.
   */
  private void act(Runnable action) {
    sync.execute(
        () -> {
          try {
            action.run();
            dispatch();
          } finally {
            flush();
            if (!pendingReceipts.isEmpty()) {
              List<Receipt> receipts = pendingReceipts;
              pendingReceipts = new ArrayList<>();
              committer.afterCommit(() -> receipts.forEach(r -> r.channel().send(r.message())));
            }
          }
        });
  }

  private <T> CompletableFuture<T> query(Supplier<T> q) {
    CompletableFuture<T> out = new CompletableFuture<>();
    act(
        () -> {
          try {
            out.complete(q.get());
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
          }
        });
    return out;
  }

  /**
   * Answers from memory when the job is live, but only once everything it reports is durable, so
   * a client never sees a state a crash could take back; otherwise reads the store off the
   * core's thread.
   */
  private <T> CompletableFuture<Optional<T>> inMemoryOrStore(Supplier<Optional<T>> memory, Supplier<Optional<T>> stored) {
    CompletableFuture<Optional<T>> out = new CompletableFuture<>();
    act(
        () -> {
          Optional<T> hit = memory.get();
          if (hit.isPresent()) {
            durable().whenComplete((ok, e) -> {
              if (e != null) {
                out.completeExceptionally(new Unavailable("store failed: " + e.getMessage()));
              } else {
                out.complete(hit);
              }
            });
            return;
          }
          queryExecutor.execute(
              () -> {
                try {
                  out.complete(stored.get());
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              });
        });
    return out;
  }

  private Attempt find(WorkerSession session, AttemptRef ref) {
    Job job = jobs.get(ref.getJobId());
    if (job == null) {
      return null;
    }
    Task t = job.tasks.get(ref.getTaskId());
    if (t == null) {
      return null;
    }
    Attempt a = t.attempt(ref.getAttempt());
    // Only the worker that ran the attempt may speak for it.
    return a != null && a.peerId.equals(session.peerId) ? a : null;
  }

  /** Queues a receipt; it is sent once what it reports is durable (see {@link #act}). */
  private void receipt(WorkerSession s, AttemptRef ref, Disposition d, String detail) {
    pendingReceipts.add(
        new Receipt(
            s.channel,
            OrchestratorMessage.newBuilder()
                .setReceipt(ResultReceipt.newBuilder().setAttempt(ref).setDisposition(d).setDetail(detail))
                .build()));
  }

  private record Receipt(WorkerChannel channel, OrchestratorMessage message) {}

  private void recover(JobRecord record) {
    Job job = new Job(record.id(), record.kind(), record.spec(), record.createdAt(), record.deadlineAt());
    List<TaskRecord> tasks = store.tasks(record.id());
    Map<String, List<AttemptRecord>> attempts = new HashMap<>();
    for (AttemptRecord a : store.attempts(record.id())) {
      attempts.computeIfAbsent(a.taskId(), k -> new ArrayList<>()).add(a);
    }
    for (TaskRecord r : tasks) {
      TaskDescriptor template;
      try {
        template = TaskDescriptor.parseFrom(r.descriptor());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("stored task " + r.jobId() + "/" + r.taskId() + " does not parse", e);
      }
      Task t = new Task(job, r.taskId(), r.index(), template, r.maxAttempts(), expectedOutputs(template));
      t.state = r.state();
      t.retriesUsed = r.retriesUsed();
      t.error = r.error();
      t.result = parseResult(r.result());
      t.resultPeer = r.resultPeer();
      job.tasks.put(t.id, t);
      job.counts[t.state.ordinal()]++;
      for (AttemptRecord ar : attempts.getOrDefault(t.id, List.of())) {
        Attempt a = new Attempt(t, ar.attempt(), ar.peerId(), null, ar.state(), ar.dispatchedAt());
        a.endedAt = ar.endedAt();
        a.detail = ar.detail() == null ? "" : ar.detail();
        // Attempt numbers are dense; a gap means an attempt whose record was never committed.
        while (t.attempts.size() < ar.attempt() - 1) {
          Attempt ghost = new Attempt(t, t.attempts.size() + 1, "", null, AttemptState.LOST, ar.dispatchedAt());
          ghost.detail = "not recorded before a restart";
          t.attempts.add(ghost);
        }
        t.attempts.add(a);
        t.triedPeers.add(ar.peerId());
        job.attempts++;
      }
      job.retries += Math.max(0, t.attempts.size() - 1);
    }
    jobs.put(job.id, job);
    for (Task t : job.tasks.values()) {
      for (Attempt a : t.attempts) {
        if (a.state.isLive()) {
          t.live = a;
          end(a, AttemptState.LOST, "orchestrator restarted");
        }
      }
      if (t.state == TaskState.RUNNING || t.state == TaskState.VALIDATING) {
        // The restart is not the task's fault: no retry is charged.
        Attempt live = t.live;
        if (live != null) {
          attemptFinished(live, false, "orchestrator restarted");
        } else {
          setTask(t, TaskState.READY, "orchestrator restarted");
          enqueue(t);
        }
      } else if (t.state == TaskState.READY) {
        enqueue(t);
      }
    }
    log.info("event=job_recovered job={} tasks={} unfinished={}", job.id, job.tasks.size(), job.unfinished());
    finishJobIfDone(job);
    if (job.deadlineAt > 0 && !job.state.isTerminal()) {
      // The deadline is absolute: a restart neither resets nor forgets it.
      clock.schedule(inSync, () -> expire(job), Math.max(0, job.deadlineAt - clock.millis()));
    }
  }

  private static List<TensorSpec> expectedOutputs(TaskDescriptor template) {
    var op = dev.shoal.operators.OperatorRegistry.standard().require(dev.shoal.operators.OperatorId.parse(template.getOperator()));
    List<TensorSpec> inputs = new ArrayList<>();
    for (Value v : template.getInputsList()) {
      var t = v.getTensor();
      int[] dims = t.getShapeList().stream().mapToInt(Long::intValue).toArray();
      inputs.add(new TensorSpec(WireTensors.fromWire(t.getDtype()), dev.shoal.operators.Shape.of(dims)));
    }
    return op.outputSpecs(inputs, WireTensors.fromWire(template.getAttributesMap()));
  }

  private static ResultDescriptor parseResult(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return ResultDescriptor.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored result does not parse", e);
    }
  }

  private static TaskStatus taskStatus(Task t) {
    return new TaskStatus(
        t.job.id, t.id, t.index, t.operator, t.state, t.retriesUsed, t.maxAttempts, t.error,
        t.attempts.stream()
            .map(a -> new AttemptStatus(a.number, a.peerId, a.state, a.dispatchedAt, a.endedAt, a.detail))
            .toList(),
        t.result);
  }

  private static TaskStatus taskStatusFromStore(TaskRecord r, List<AttemptStatus> attempts) {
    String operator;
    try {
      operator = TaskDescriptor.parseFrom(r.descriptor()).getOperator();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored task does not parse", e);
    }
    return new TaskStatus(
        r.jobId(), r.taskId(), r.index(), operator, r.state(), r.retriesUsed(), r.maxAttempts(), r.error(), attempts,
        parseResult(r.result()));
  }

  private static JobStatus statusFromStore(JobRecord j, List<TaskRecord> tasks) {
    Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      counts.put(s, 0);
    }
    int attempts = 0;
    for (TaskRecord t : tasks) {
      counts.merge(t.state(), 1, Integer::sum);
      attempts += t.attemptCount();
    }
    return new JobStatus(
        j.id(), j.kind(), j.state(), j.createdAt(), j.finishedAt(), tasks.size(), counts, attempts,
        Math.max(0, attempts - tasks.size()), j.error());
  }

  private String newJobId(long now) {
    StringBuilder b = new StringBuilder("j").append(Long.toString(now, 36));
    for (int i = 0; i < 10; i++) {
      b.append(ID_CHARS[random.nextInt(ID_CHARS.length)]);
    }
    return b.toString();
  }

  private static AttemptRef ref(Attempt a) {
    return AttemptRef.newBuilder().setJobId(a.task.job.id).setTaskId(a.task.id).setAttempt(a.number).build();
  }

  private static String key(AttemptRef r) {
    return r.getJobId() + "/" + r.getTaskId() + "#" + r.getAttempt();
  }

  private static String statusName(ResultDescriptor r) {
    return r.getStatus().name().substring("RESULT_STATUS_".length()).toLowerCase();
  }

  private static dev.shoal.protocol.v1.ProtocolVersion parseVersion(String v) {
    String[] p = v.split("\\.");
    return ProtocolVersions.of(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
  }
}
