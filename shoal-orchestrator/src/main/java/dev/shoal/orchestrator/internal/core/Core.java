package dev.shoal.orchestrator.internal.core;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.acceptance.Check;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.acceptance.StreamedOutput;
import dev.shoal.orchestrator.internal.acceptance.ResultChecker;
import dev.shoal.orchestrator.internal.acceptance.Verdict;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.reputation.Reputations;
import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.lifecycle.Transitions;
import dev.shoal.orchestrator.internal.store.AttemptRecord;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.JobRecord;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.store.TaskRecord;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.LedgerEntry;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.CancelAttempt;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultReceipt;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.Welcome;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
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
public final class Core implements JobService, Journal {

  private static final Logger log = LoggerFactory.getLogger(Core.class);
  private static final char[] ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  /** Outputs larger than this must be uploaded to the data service, not sent inline. */
  private static final long INLINE_LIMIT = dev.shoal.protocol.ProtocolLimits.DEFAULT.maxInlineBytes();

  /** A task never takes more dispatches than this many times its retry budget, charged or not. */
  private static final int DISPATCH_CAP_FACTOR = 10;
  /** How long a departed worker stays listed (with {@code include_offline}). */
  private static final long DEPARTED_KEPT_MILLIS = 3_600_000;
  private static final int DEPARTED_KEPT_MAX = 4096;
  private static final long PURGE_EVERY_MILLIS = 60_000;
  /** How long a finished job whose attempts all answered stays in memory (see {@link #settled}). */
  static final long SETTLED_KEPT_MILLIS = 5_000;
  /** How often finished jobs due to leave memory are let go (see {@link #forgetDue}). */
  static final long FORGET_EVERY_MILLIS = 1_000;

  private final CoreSettings settings;
  private final Clock clock;
  private final StateStore store;
  private final GroupCommitter committer;
  private final Executor queryExecutor;
  private final ResultChecker checker;
  private final Executor validations;
  private final KeyPair identity;
  /** Peer ids an admin registered as trusted: lighter validation, spot checks all the same. */
  private final Set<String> trusted = new HashSet<>();
  private final Reputations reputations;
  /** Where the ledger continues: the last entry's sequence number and hash. */
  private long ledgerSeq;
  private byte[] ledgerHead = LedgerEntry.GENESIS;
  /** Valid results per worker not yet written to the ledger: one entry per worker per sweep. */
  private final Map<String, Integer> pendingCredit = new LinkedHashMap<>();
  /** Signatures of ratings recorded lately; older ones are refused by their time anyway. */
  private final Set<String> recentRatings =
      java.util.Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 100_000;
            }
          });
  private final SynchronizationContext sync;
  private final Executor inSync;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong sessionIds = new AtomicLong();

  private final Map<String, Job> jobs = new HashMap<>();
  /**
   * Finished jobs in the order they finished, with when memory may let each go: one queue per
   * holding time, so each stays in time order and a sweep takes from its head.
   */
  private final ArrayDeque<Forget> forgetSettled = new ArrayDeque<>();
  private final ArrayDeque<Forget> forgetOthers = new ArrayDeque<>();
  private Clock.Timer forgetTimer;
  private final Map<String, List<CompletableFuture<Optional<JobStatus>>>> finishWaiters = new HashMap<>();
  private final Map<String, ArrayDeque<Task>> ready = new LinkedHashMap<>();
  private final Map<Long, WorkerSession> sessions = new LinkedHashMap<>();
  /** Workers gone lately, by peer id, with their last state: listed on request for an hour. */
  private final Map<String, WorkerStatus> departed = new LinkedHashMap<>();
  /** Names workers gave themselves, by peer id; read from any thread to label results. */
  private final Map<String, String> workerNames = new java.util.concurrent.ConcurrentHashMap<>();
  private final Set<Task> dirtyTasks = new LinkedHashSet<>();
  private final Set<Attempt> dirtyAttempts = new LinkedHashSet<>();
  private List<Receipt> pendingReceipts = new ArrayList<>();
  /** Writes of the current action, handed to the committer in one go when it ends. */
  private List<StoreWrite> outbox = new ArrayList<>();
  /** Told, on the core's thread, of each worker that connects, with its signed descriptor. */
  private final List<java.util.function.Consumer<NodeDescriptor>> workerListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Tells {@code listener} of every worker that connects (the directory keeps pairing consents,
   * the services their self-registrations). It runs on the core's thread and must not block.
   */
  public void onWorkerConnected(java.util.function.Consumer<NodeDescriptor> listener) {
    workerListeners.add(listener);
  }

  /** The API key whose request the running action serves ("" for the orchestrator's own work). */
  private String acting = "";
  /**
   * Whom that request acts for when it is not the job's owner (a fleet-side scheduler assigning
   * a client's task); "" when it is.
   */
  private String actingFor = "";
  private long nextSeq;
  /** Dispatch-to-result times of the latest attempts (a ring), for benchmarks and metrics. */
  private final long[] roundTrips = new long[1 << 16];
  private long roundTripCount;
  private boolean stopping;
  private Clock.Timer sweepTimer;
  /** When finished jobs past their retention were last purged from the store. */
  private long lastPurge;

  /**
   * @param queryExecutor runs store reads, off the core's thread
   * @param checker validates results and compares them
   * @param validations runs the checker, off the core's thread
   * @param identity the orchestrator's key, announced to workers
   */
  public Core(
      CoreSettings settings,
      Clock clock,
      StateStore store,
      GroupCommitter committer,
      Executor queryExecutor,
      ResultChecker checker,
      Executor validations,
      KeyPair identity) {
    this.identity = identity;
    this.reputations = new Reputations(settings.reputation(), Ed25519.rawPublicKey(identity.getPublic()));
    this.settings = settings;
    this.clock = clock;
    this.store = store;
    this.committer = committer;
    this.queryExecutor = queryExecutor;
    this.checker = checker;
    this.validations = validations;
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
          // Sessions the last run ended without a word (a crash, or a stop) are over: say so, so
          // a follower tracking workers from the event log never sees one connected twice.
          for (String peer : store.workersLeftConnected()) {
            outbox.add(
                new StoreWrite.AppendEvent(
                    new EventRecord(
                        nextSeq++, clock.millis(), EventTypes.WORKER_DISCONNECTED, "worker", "", "", 0, peer, "connected",
                        "gone", "orchestrator restarted", "", "", "")));
          }
          replayLedger();
          trusted.addAll(store.trustedPeers());
          int recovered = 0;
          for (JobRecord j : store.unfinishedJobs()) {
            recover(j);
            recovered++;
          }
          if (recovered > 0) {
            log.info("event=recovered jobs={} store=\"{}\"", recovered, store.describe());
          }
          sweepTimer = clock.schedule(inSync, this::sweep, settings.heartbeatIntervalMillis());
          forgetTimer = clock.schedule(inSync, this::forgetDue, FORGET_EVERY_MILLIS);
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
          if (forgetTimer != null) {
            forgetTimer.cancel();
          }
          creditValidResults();
          done.complete(null);
        });
    done.join();
  }

  public CoreSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------- client side

  @Override
  public CompletableFuture<String> submit(JobPlan plan, TaskWatcher watcher) {
    CompletableFuture<String> accepted = new CompletableFuture<>();
    act(
        () -> {
          if (stopping || !committer.isHealthy()) {
            accepted.completeExceptionally(new Unavailable("the orchestrator is not accepting jobs now"));
            return;
          }
          long now = clock.millis();
          String id = plan.jobId() != null ? plan.jobId() : newJobId(now);
          if (jobs.containsKey(id)) {
            accepted.completeExceptionally(new Refused("job " + id + " already exists"));
            return;
          }
          Job job =
              new Job(
                  id, plan.kind(), plan.spec(), now, plan.deadlineMillis() > 0 ? now + plan.deadlineMillis() : 0,
                  plan.actor());
          acting = plan.actor().key();
          List<Task> built = new ArrayList<>(plan.tasks().size());
          int index = 0;
          for (PlannedTask p : plan.tasks()) {
            built.add(new Task(job, p.taskId(), index++, p.template(), p.maxAttempts(), p.expectedOutputs(), p.policy(), p.routing()));
          }
          for (Task t : built) {
            if (t.routing.immediate()) {
              RuntimeException refusal = noFreeWorker(t);
              if (refusal != null) {
                accepted.completeExceptionally(refusal);
                return;
              }
            }
          }
          Journal.Entry<Void> held = null;
          if (plan.payment() > 0) {
            try {
              held = payments.hold(plan.actor().principal(), id, built.getFirst().id, plan.payment(), plan.actor().key());
            } catch (TaskPayments.InsufficientCredits e) {
              accepted.completeExceptionally(e);
              return;
            }
          }
          if (watcher != null) {
            built.forEach(t -> t.watchers.add(watcher));
          }
          List<TaskRecord> records = new ArrayList<>(plan.tasks().size());
          index = 0;
          for (PlannedTask p : plan.tasks()) {
            Task t = built.get(index);
            job.tasks.put(t.id, t);
            if (!t.upstream.isEmpty()) {
              t.state = TaskState.WAITING;
            }
            job.counts[t.state.ordinal()]++;
            records.add(
                new TaskRecord(
                    id, t.id, index, p.template().toByteArray(), t.maxAttempts, t.state, 0, 0, null, null,
                    null, now, p.policy().toString(), null));
            index++;
          }
          linkGraph(job);
          jobs.put(id, job);
          if (held != null) {
            append(held);
          }
          outbox.add(
              new StoreWrite.PutJob(
                  new JobRecord(
                      id, plan.kind(), plan.spec(), JobState.RUNNING, now, 0, records.size(), null, job.deadlineAt,
                      plan.actor().principal(), plan.actor().key()),
                  records));
          event("job", job, null, null, "", JobState.RUNNING.name(), "accepted tasks=" + records.size());
          for (Task t : job.tasks.values()) {
            event("task", job, t, null, "", t.state.name(), t.operator);
          }
          for (Task t : job.tasks.values()) {
            if (t.state == TaskState.READY) {
              enqueue(t);
            }
          }
          if (job.deadlineAt > 0) {
            clock.schedule(inSync, () -> expire(job), job.deadlineAt - now);
          }
          log.info("event=job_accepted job={} kind={} tasks={}", id, plan.kind(), records.size());
          if (job.tasks.isEmpty()) {
            finishJobIfDone(job);
          }
          if (watcher != null) {
            // The caller waits on the watcher, not on the disk: the journal catches up meanwhile,
            // from the end of this action, after the dispatch it enables has been sent.
            accepted.complete(id);
          } else {
            whenDurable(accepted, id);
          }
        });
    return accepted;
  }

  @Override
  public CompletableFuture<String> submit(JobPlan plan) {
    return submit(plan, null);
  }

  /**
   * Why an immediate task cannot start now, or null if a worker has a free slot for it: overload
   * when every matching worker is full, no match when none could ever run it.
   */
  private RuntimeException noFreeWorker(Task t) {
    int matching = 0;
    for (WorkerSession s : sessions.values()) {
      if (!eligible(s, t)) {
        continue;
      }
      matching++;
      if (s.freeSlots() > 0) {
        return null;
      }
    }
    String wanted =
        !t.routing.pinnedPeer().isEmpty()
            ? "worker " + t.routing.pinnedPeer()
            : !t.routing.match().isEmpty() ? "'" + t.routing.match() + "'" : t.operator;
    if (matching == 0) {
      NoMatch.Kind kind =
          !t.routing.pinnedPeer().isEmpty()
              ? NoMatch.Kind.WORKER
              : !t.routing.match().isEmpty() ? NoMatch.Kind.MODEL : NoMatch.Kind.OPERATOR;
      String what =
          switch (kind) {
            case WORKER -> "worker " + t.routing.pinnedPeer() + " is not connected, is quarantined, or does not run " + t.operator;
            case MODEL -> "no connected worker running " + t.operator + " matches '" + t.routing.match() + "' (peer id, worker or service name, or model)";
            case OPERATOR -> "no connected worker runs " + t.operator;
          };
      return new NoMatch(kind, what);
    }
    return new Overloaded("every worker for " + wanted + " is busy (" + matching + " matching, none with a free slot)", 1);
  }

  @Override
  public CompletableFuture<CancelOutcome> cancel(String jobId, Actor by) {
    CompletableFuture<CancelOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          acting = by.key();
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
          whenDurable(out, CancelOutcome.CANCELLED);
        });
    return out;
  }

  @Override
  public CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId, Actor by) {
    CompletableFuture<CancelOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          acting = by.key();
          Task t = liveTask(jobId, taskId, out, CancelOutcome.ALREADY_FINISHED, CancelOutcome.NOT_FOUND);
          if (t == null) {
            return;
          }
          Job job = t.job;
          if (t.state.isTerminal()) {
            out.complete(CancelOutcome.ALREADY_FINISHED);
            return;
          }
          settle(t, TaskState.CANCELLED, "cancelled by the client");
          endDownstream(t, TaskState.CANCELLED);
          if (job.error == null) {
            job.error = "task " + taskId + " was cancelled by the client";
          }
          finishJobIfDone(job);
          whenDurable(out, CancelOutcome.CANCELLED);
        });
    return out;
  }

  @Override
  public CompletableFuture<ConfirmOutcome> confirm(String jobId, String taskId, int attempt, Actor by) {
    CompletableFuture<ConfirmOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          acting = by.key();
          Task t = liveTask(jobId, taskId, out, ConfirmOutcome.NOT_AWAITING, ConfirmOutcome.NOT_FOUND);
          if (t == null) {
            return;
          }
          if (t.state != TaskState.AWAITING_CONFIRMATION) {
            out.complete(ConfirmOutcome.NOT_AWAITING);
            return;
          }
          Candidate chosen = null;
          for (Candidate c : t.candidates) {
            if (c.attempt.number == attempt) {
              chosen = c;
            }
          }
          if (chosen == null) {
            out.complete(ConfirmOutcome.NO_SUCH_RESULT);
            return;
          }
          accept(t, chosen, "confirmed");
          whenDurable(out, ConfirmOutcome.CONFIRMED);
        });
    return out;
  }

  private volatile TaskPayments payments = TaskPayments.NONE;

  /** Tasks published with a payment are paid through {@code payments}. */
  public void usePayments(TaskPayments payments) {
    this.payments = payments;
  }

  /** Appends an entry's writes, and its events numbered next in the one sequence. */
  private void append(Journal.Entry<?> entry) {
    outbox.addAll(entry.writes());
    if (!entry.events().isEmpty()) {
      long now = clock.millis();
      for (EventRecord e : entry.events()) {
        outbox.add(new StoreWrite.AppendEvent(e.numbered(nextSeq++, now)));
      }
    }
  }

  @Override
  public <T> CompletableFuture<T> record(Supplier<Journal.Entry<T>> change) {
    CompletableFuture<T> out = new CompletableFuture<>();
    act(
        () -> {
          if (stopping || !committer.isHealthy()) {
            out.completeExceptionally(new Unavailable("the orchestrator is not accepting changes now"));
            return;
          }
          Journal.Entry<T> entry;
          try {
            entry = change.get();
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
          }
          append(entry);
          whenDurable(out, entry.value());
        });
    return out;
  }

  @Override
  public CompletableFuture<AssignOutcome> assign(String jobId, String taskId, String peerId, Actor by) {
    CompletableFuture<AssignOutcome> out = new CompletableFuture<>();
    act(
        () -> {
          acting = by.key();
          actingFor = by.principal();
          Task t = liveTask(jobId, taskId, out, AssignOutcome.NOT_READY, AssignOutcome.NOT_FOUND);
          if (t == null) {
            return;
          }
          if (!t.routing.external()) {
            out.complete(AssignOutcome.NOT_EXTERNAL);
            return;
          }
          if (t.state.isTerminal() || Math.min(wanted(t), budgetLeft(t)) <= 0) {
            out.complete(AssignOutcome.NOT_READY);
            return;
          }
          WorkerSession w = null;
          for (WorkerSession s : sessions.values()) {
            if (s.peerId.equals(peerId)) {
              w = s;
            }
          }
          if (w != null && !registrations.isRegistered(t.routing.service(), peerId)) {
            out.complete(AssignOutcome.NOT_REGISTERED);
            return;
          }
          if (w == null || !eligible(w, t) || busyWith(t, peerId)) {
            out.complete(AssignOutcome.WORKER_UNAVAILABLE);
            return;
          }
          if (w.freeSlots() <= 0) {
            out.complete(AssignOutcome.WORKER_FULL);
            return;
          }
          startAttempt(t, w);
          whenDurable(out, AssignOutcome.ASSIGNED);
        });
    return out;
  }

  @Override
  public CompletableFuture<Optional<String>> serviceOf(String jobId, String taskId) {
    return query(() -> {
      Job job = jobs.get(jobId);
      Task t = job == null ? null : job.tasks.get(taskId);
      return t == null ? Optional.<String>empty() : Optional.of(t.routing.service());
    });
  }

  @Override
  public CompletableFuture<Optional<String>> owner(String jobId) {
    CompletableFuture<Optional<String>> out = new CompletableFuture<>();
    act(
        () -> {
          Job job = jobs.get(jobId);
          if (job != null) {
            out.complete(Optional.of(job.publishedBy.principal()));
          } else {
            queryExecutor.execute(() -> out.complete(store.job(jobId).map(JobRecord::owner)));
          }
        });
    return out;
  }

  /**
   * The task if its job is in memory. Otherwise null, and {@code out} is answered from the store
   * off the core's thread: {@code ifStored} for a task of a finished job, {@code ifMissing} else.
   */
  private <T> Task liveTask(String jobId, String taskId, CompletableFuture<T> out, T ifStored, T ifMissing) {
    Job job = jobs.get(jobId);
    Task t = job == null ? null : job.tasks.get(taskId);
    if (t == null) {
      queryExecutor.execute(() -> out.complete(store.task(jobId, taskId).isPresent() ? ifStored : ifMissing));
    }
    return t;
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
            whenDurable(out, Optional.of(s));
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
    return workers(false);
  }

  @Override
  public CompletableFuture<List<WorkerStatus>> workers(boolean includeOffline) {
    return query(
        () -> {
          long now = clock.millis();
          List<WorkerStatus> out = new ArrayList<>();
          Set<String> online = new HashSet<>();
          for (WorkerSession s : sessions.values()) {
            online.add(s.peerId);
            out.add(s.status(reputations.standing(s.peerId, now), trusted.contains(s.peerId)));
          }
          if (includeOffline) {
            departed.values().removeIf(w -> now - w.lastSeen() > DEPARTED_KEPT_MILLIS);
            for (WorkerStatus w : departed.values()) {
              if (!online.contains(w.descriptor().getPeerId())) {
                String peer = w.descriptor().getPeerId();
                out.add(
                    new WorkerStatus(
                        w.descriptor(), w.capacity(), 0, w.load(), w.draining(), w.connectedAt(), w.lastSeen(),
                        w.protocolVersion(), reputations.standing(peer, now), trusted.contains(peer), false));
              }
            }
          }
          return out;
        });
  }

  @Override
  public String workerName(String peerId) {
    return workerNames.getOrDefault(peerId, "");
  }

  // ---------------------------------------------------------------- reputation

  @Override
  public CompletableFuture<PeerStanding> standing(String peerId) {
    return query(() -> new PeerStanding(reputations.standing(peerId, clock.millis()), trusted.contains(peerId)));
  }

  @Override
  public CompletableFuture<List<LedgerEntry>> ledger(String peerId, long afterSeq, int limit) {
    CompletableFuture<List<LedgerEntry>> out = new CompletableFuture<>();
    // Read once everything appended so far is committed, so a page never misses a judgement.
    act(() -> durable().whenComplete((ok, e) -> queryExecutor.execute(() -> {
      try {
        out.complete(peerId == null ? store.ledger(afterSeq, limit) : store.ledgerOf(peerId, afterSeq, limit));
      } catch (RuntimeException x) {
        out.completeExceptionally(x);
      }
    })));
    return out;
  }

  @Override
  public CompletableFuture<LedgerEntry.ChainCheck> verifyLedger() {
    CompletableFuture<LedgerEntry.ChainCheck> out = new CompletableFuture<>();
    act(
        () -> {
          long upTo = ledgerSeq;
          byte[] head = ledgerHead;
          durable()
              .whenComplete(
                  (ok, e) ->
                      queryExecutor.execute(
                          () -> {
                            try {
                              out.complete(verifyStoredLedger(upTo, head));
                            } catch (RuntimeException x) {
                              out.completeExceptionally(x);
                            }
                          }));
        });
    return out;
  }

  /** Walks the stored chain page by page up to {@code upTo}; its head must be the one in memory. */
  private LedgerEntry.ChainCheck verifyStoredLedger(long upTo, byte[] head) {
    long seq = 0;
    byte[] link = LedgerEntry.GENESIS;
    long checked = 0;
    while (seq < upTo) {
      List<LedgerEntry> page = store.ledger(seq, (int) Math.min(4096, upTo - seq));
      if (page.isEmpty()) {
        return new LedgerEntry.ChainCheck(false, checked, seq + 1, "entry " + (seq + 1) + " is missing", link);
      }
      LedgerEntry.ChainCheck c = LedgerEntry.verifyChain(page, seq, link);
      if (!c.ok()) {
        return new LedgerEntry.ChainCheck(false, checked + c.entries(), c.firstBadSeq(), c.reason(), c.headHash());
      }
      checked += c.entries();
      seq = page.getLast().seq();
      link = c.headHash();
    }
    if (!Arrays.equals(link, head)) {
      return new LedgerEntry.ChainCheck(false, checked, upTo, "the stored chain does not end at the head in memory", link);
    }
    return new LedgerEntry.ChainCheck(true, checked, 0, "", link);
  }

  /** How far a rating's time may be from the orchestrator's clock: a replayed old rating is refused. */
  private static final long RATING_SKEW_MILLIS = 600_000;

  @Override
  public CompletableFuture<LedgerEntry> rate(LedgerEntry rating) {
    CompletableFuture<LedgerEntry> out = new CompletableFuture<>();
    act(
        () -> {
          long now = clock.millis();
          String refusal = null;
          if (Math.abs(rating.at() - now) > RATING_SKEW_MILLIS) {
            refusal = "rating: at is more than 10 minutes from the orchestrator's clock (" + now + ")";
          } else if (!knownWorker(rating.subject())) {
            refusal = "rating: no worker " + rating.subject() + " has ever connected here";
          } else if (!recentRatings.add(java.util.HexFormat.of().formatHex(rating.signature()))) {
            refusal = "rating: this signed rating was already recorded";
          }
          if (refusal != null) {
            out.completeExceptionally(new Refused(refusal));
            return;
          }
          whenDurable(out, append(rating));
        });
    return out;
  }

  @Override
  public CompletableFuture<Boolean> liftQuarantine(String peerId) {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    act(
        () -> {
          if (!reputations.isQuarantined(peerId, clock.millis())) {
            out.complete(false);
            return;
          }
          appendOwn(peerId, Reputations.LIFTED, 0, "lifted by an admin");
          log.info("event=quarantine_lifted peer={}", peerId);
          whenDurable(out, true);
        });
    return out;
  }

  @Override
  public CompletableFuture<Void> setTrusted(String peerId, boolean trust) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    act(
        () -> {
          if (trust) {
            trusted.add(peerId);
          } else {
            trusted.remove(peerId);
          }
          outbox.add(new StoreWrite.SetTrusted(peerId, trust, clock.millis()));
          log.info("event=trust_changed peer={} trusted={}", peerId, trust);
          whenDurable(out, null);
        });
    return out;
  }

  /** A worker that is connected now or has a reputation: only such workers can be rated. */
  private boolean knownWorker(String peerId) {
    for (WorkerSession s : sessions.values()) {
      if (s.peerId.equals(peerId)) {
        return true;
      }
    }
    return reputations.known(peerId);
  }

  /** Rebuilds every worker's reputation from the stored ledger, and finds where it continues. */
  private void replayLedger() {
    long seq = 0;
    List<LedgerEntry> page;
    while (!(page = store.ledger(seq, 4096)).isEmpty()) {
      for (LedgerEntry e : page) {
        reputations.apply(e);
        ledgerHead = e.hash();
        seq = e.seq();
      }
    }
    ledgerSeq = seq;
  }

  /**
   * Records an outcome that speaks for or against a worker, as an event and in its reputation.
   * Valid results are many and worth little each, so they are summed and written once per sweep.
   */
  private void judge(String peerId, String kind, String detail) {
    if (kind.equals("validated")) {
      // One per result, so no event row of its own: the acceptance record and the sweep's
      // ledger entry already say it.
      pendingCredit.merge(peerId, 1, Integer::sum);
      return;
    }
    outbox.add(
        new StoreWrite.AppendEvent(
            new EventRecord(
                nextSeq++, clock.millis(), EventTypes.WORKER_JUDGED, "judgement", "", "", 0, peerId, "", kind, detail, "",
                "", "")));
    appendOwn(peerId, kind, settings.reputation().delta(kind), detail);
  }

  /** Writes the valid results counted since the last sweep, one ledger entry per worker. */
  private void creditValidResults() {
    for (Map.Entry<String, Integer> e : pendingCredit.entrySet()) {
      int n = e.getValue();
      appendOwn(e.getKey(), "validated", n * settings.reputation().delta("validated"), n + " valid results");
    }
    pendingCredit.clear();
  }

  /** Appends an entry signed by the orchestrator. */
  private void appendOwn(String peerId, String kind, double score, String comment) {
    String clipped = comment.length() > 256 ? comment.substring(0, 256) : comment;
    double bounded = Math.max(-LedgerEntry.MAX_SCORE, Math.min(LedgerEntry.MAX_SCORE, score));
    append(LedgerEntry.sign(identity, peerId, kind, bounded, clipped, clock.millis()));
  }

  /** Places a signed statement at the end of the chain, stores it, and applies it. */
  private LedgerEntry append(LedgerEntry statement) {
    LedgerEntry placed = statement.at(++ledgerSeq, ledgerHead);
    ledgerHead = placed.hash();
    outbox.add(new StoreWrite.AppendLedger(placed));
    if (reputations.apply(placed)) {
      Standing s = reputations.standing(placed.subject(), clock.millis());
      String reason =
          String.format(
              "score %.2f reached the threshold %.1f after %s: %s",
              s.score(), settings.reputation().quarantineThreshold(), placed.kind(), placed.comment());
      appendOwn(placed.subject(), Reputations.QUARANTINED, 0, reason);
      log.warn("event=worker_quarantined peer={} reason=\"{}\"", placed.subject(), reason);
    }
    return placed;
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

  /** Registers a trusted worker: its results get lighter validation but keep their spot checks. */
  public void trust(String peerId) {
    act(() -> trusted.add(peerId));
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
          departed.remove(session.peerId);
          workerNames.put(session.peerId, session.descriptor.getName());
          session.channel.send(
              OrchestratorMessage.newBuilder()
                  .setWelcome(
                      Welcome.newBuilder()
                          .setNegotiated(parseVersion(session.protocolVersion))
                          .setPeerId(session.peerId)
                          .setHeartbeatIntervalMs(settings.heartbeatIntervalMillis())
                          .setMissedHeartbeatsLimit(settings.missedHeartbeats())
                          .setOrchestratorId(settings.orchestratorId())
                          .setOrchestratorPublicKey(WireTensors.wrap(Ed25519.rawPublicKey(identity.getPublic())))
                          .setMaxMessageBytes(64L << 20))
                  .build());
          workerEvent(session, "", "connected", "capacity=" + session.capacity + " operators=" + session.operators.size());
          workerListeners.forEach(l -> l.accept(session.descriptor));
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

  /**
   * The worker said goodbye: it has finished or handed back everything it took. An attempt still
   * live was dispatched as it decided to leave and never taken: handed back, not lost or charged.
   */
  public void goodbye(WorkerSession session, String reason) {
    act(
        () -> {
          for (Attempt a : List.copyOf(session.holding.values())) {
            release(a);
            if (a.state.isLive()) {
              end(a, AttemptState.RELEASED, "not taken: the worker said goodbye");
              attemptFinished(a, false, "handed back by " + session.peerId + " leaving");
            }
          }
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
          byte[] signature = result.getSignature().toByteArray();
          if (a.answeredIn != 0) {
            // A stream is reliable and ordered, so a repeat on the same stream is deliberate; a
            // repeat after a reconnect is a retransmission, harmless only if it is the same result.
            if (a.answeredIn == session.sessionId || !Arrays.equals(a.answerSignature, signature)) {
              receipt(session, ref, Disposition.DISPOSITION_REPLAYED, "attempt " + a.number + " was already answered");
              judge(session.peerId, "replayed", "a second result for " + a.key());
            } else {
              receipt(session, ref, Disposition.DISPOSITION_DUPLICATE, "already answered");
            }
            return;
          }
          a.answeredIn = session.sessionId;
          a.answerSignature = signature;
          release(a);
          if (a.state.isLive() && a.sentNanos != 0) {
            roundTrips[(int) (roundTripCount++ & (roundTrips.length - 1))] = clock.nanos() - a.sentNanos;
          }
          if (!a.state.isLive()) {
            // Ended without an answer (timed out, lost, cancelled): kept, never applied.
            if (result.getStatus() == ResultStatus.RESULT_STATUS_OK) {
              a.result = result;
            }
            setAttempt(a, AttemptState.LATE, "late " + statusName(result) + " after " + a.state.wireName());
            receipt(session, ref, Disposition.DISPOSITION_LATE, "the attempt had already ended; kept, not applied");
            return;
          }
          switch (result.getStatus()) {
            case RESULT_STATUS_OK -> completed(session, a, result);
            case RESULT_STATUS_TIMED_OUT -> {
              end(a, AttemptState.TIMED_OUT, "worker timeout: " + result.getDiagnostics().getMessage());
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              judge(session.peerId, "timed_out", a.key());
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
            case RESULT_STATUS_DATA_MISMATCH -> {
              // Bytes changed between the data service and the worker (or the worker says so):
              // another attempt fetches them again; no reputation is lost over what may be the path's fault.
              String why = "input digest mismatch: " + result.getDiagnostics().getMessage();
              end(a, AttemptState.FAILED, why);
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              attemptFinished(a, true, "data mismatch on " + session.peerId);
            }
            default -> {
              // FAILED, or CANCELLED without our asking: either way the operator did not finish.
              String why = result.getDiagnostics().getErrorKind() + ": " + result.getDiagnostics().getMessage();
              end(a, AttemptState.FAILED, why);
              receipt(session, ref, Disposition.DISPOSITION_ACCEPTED, "");
              judge(session.peerId, "failed", why);
              attemptFinished(a, true, "failed on " + session.peerId + ": " + why);
            }
          }
        });
  }

  /**
   * A result whose signature did not verify (checked on the transport thread, before anything
   * else). If it names a live attempt of this worker, that attempt has failed: a worker that
   * cannot sign cannot be believed.
   */
  public void forged(WorkerSession session, ResultDescriptor result) {
    act(
        () -> {
          AttemptRef ref = result.getAttempt();
          receipt(session, ref, Disposition.DISPOSITION_BAD_SIGNATURE, "the signature does not verify with your key");
          judge(session.peerId, "bad_signature", key(ref));
          Attempt a = find(session, ref);
          if (a != null && a.state.isLive()) {
            release(a);
            end(a, AttemptState.FAILED, "bad signature");
            attemptFinished(a, true, "bad signature from " + session.peerId);
          }
        });
  }

  /** Any sign of life from a worker. */
  public void touched(WorkerSession session) {
    act(() -> session.lastSeen = clock.millis());
  }

  /**
   * A chunk of a live attempt's streamed output: kept so the result can be held to it, and
   * handed to the clients waiting on the task. Chunks of attempts that are not live are dropped.
   */
  public void chunk(WorkerSession session, OutputChunk chunk) {
    act(
        () -> {
          session.lastSeen = clock.millis();
          Attempt a = find(session, chunk.getAttempt());
          if (a == null || !a.state.isLive()) {
            return;
          }
          if (a.streamed == null) {
            a.streamed = new StreamedOutput();
          }
          a.streamed.append(chunk.getSeq(), chunk.getChannel(), chunk.getData());
          Task t = a.task;
          if (!t.watchers.isEmpty()) {
            if (t.streamedAttempt == 0) {
              t.streamedAttempt = a.number;
            }
            for (TaskWatcher w : t.watchers) {
              w.chunk(a.number, chunk.getChannel(), chunk.getData());
            }
          }
        });
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
    t.live.remove(a);
    a.result = result;
    if (t.state.isTerminal()) {
      receipt(session, result.getAttempt(), Disposition.DISPOSITION_LATE, "the task was already settled");
      return;
    }
    String malformed =
        Programs.isProgram(t.operator) ? Programs.check(t.resolved, result, a.streamed) : structure(t, result);
    if (malformed != null) {
      advance(t, validated(a, Verdict.of(List.of(Check.failed("structure", malformed))), List.of()));
      return;
    }
    t.toValidate.add(a);
    validateNext(t);
    advance(t, "result from " + session.peerId);
  }

  /**
   * Starts the next queued validation of the task, off the core's thread. One at a time per
   * task, so each result is compared with every candidate before it.
   */
  private void validateNext(Task t) {
    if (t.checking || t.toValidate.isEmpty()) {
      return;
    }
    Attempt a = t.toValidate.poll();
    List<Candidate> earlier = List.copyOf(t.candidates);
    if (!checker.checksContent(t.operator) && earlier.isEmpty()) {
      // Nothing to compute: decide now and save two thread hops.
      validated(a, Verdict.of(List.of(Check.passed("structure", ""))), List.of());
      return;
    }
    t.checking = true;
    t.inCheck = a;
    boolean light = trusted.contains(a.peerId);
    long seed = random.nextLong();
    TaskDescriptor task = t.resolved;
    ResultDescriptor result = a.result;
    validations.execute(
        () -> {
          Verdict verdict;
          List<Candidate> agreeing = new ArrayList<>();
          try {
            SplittableRandom draws = new SplittableRandom(seed);
            verdict =
                checker.checksContent(t.operator)
                    ? checker.validate(task, result, light, draws)
                    : Verdict.of(List.of(Check.passed("structure", "")));
            if (verdict.passed()) {
              for (Candidate c : earlier) {
                if (checker.agree(task, result, c.attempt.result, draws)) {
                  agreeing.add(c);
                }
              }
            }
          } catch (RuntimeException e) {
            log.error("event=validator_failed attempt={} operator={}", a.key(), t.operator, e);
            verdict = Verdict.of(List.of(Check.failed("validator_error", e.toString())));
          }
          Verdict v = verdict;
          act(
              () -> {
                t.checking = false;
                t.inCheck = null;
                String outcome = validated(a, v, agreeing);
                validateNext(t);
                advance(t, outcome);
              });
        });
  }

  /**
   * A result's verdict is in: refuse it, or make it a candidate and see whether the policy is
   * met. Returns what happened, for the task's next state change.
   */
  private String validated(Attempt a, Verdict verdict, List<Candidate> agreeing) {
    Task t = a.task;
    a.verdict = verdict;
    dirtyAttempts.add(a);
    for (Check c : verdict.checks()) {
      t.checks.add(Acceptance.Entry.of(a.number, a.peerId, c));
    }
    if (t.state.isTerminal()) {
      receipt(a, Disposition.DISPOSITION_LATE, "the task was settled while this result was checked");
      return "settled";
    }
    if (!verdict.passed()) {
      String why = verdict.failure();
      receipt(a, Disposition.DISPOSITION_INVALID, why);
      log.warn("event=result_invalid attempt={} peer={} reason=\"{}\"", a.key(), a.peerId, why);
      if (!verdict.checks().getLast().method().equals("validator_error")) {
        judge(a.peerId, "invalid_result", why);
      }
      a.detail = "invalid: " + why;
      t.retriesUsed++;
      if (t.streamedAttempt == a.number) {
        fail(t, "invalid result from " + a.peerId + " after streaming output: " + why);
        return "failed";
      }
      scheduleRetry(t);
      return "invalid result from " + a.peerId + ": " + why;
    }
    receipt(a, Disposition.DISPOSITION_ACCEPTED, "");
    judge(a.peerId, "validated", a.key());
    Candidate c = new Candidate(a);
    for (Candidate other : agreeing) {
      if (t.candidates.contains(other)) {
        c.agrees.add(other);
        other.agrees.add(c);
      }
    }
    t.candidates.add(c);
    t.validResults++;
    decide(t);
    return "valid result from " + a.peerId;
  }

  /** Accepts a result if the task's policy is now met; otherwise leaves the task wanting more. */
  private void decide(Task t) {
    switch (t.policy.kind()) {
      case MANUAL -> {}
      case QUORUM -> {
        Candidate best = best(t);
        if (best != null && best.support() >= t.policy.k()) {
          accept(t, best, "quorum");
        }
      }
      case FIRST_VALID -> {
        if (t.spotCheck == null) {
          t.spotCheck = chooseSpotCheck(t);
        }
        Candidate best = best(t);
        if (!t.spotCheck) {
          accept(t, best, "validated");
        } else if (best.support() >= 2) {
          accept(t, best, "spot_checked");
        } else if (t.candidates.size() >= 2) {
          recompute(t);
        }
      }
    }
  }

  /** The candidate with the most agreement, the earliest among equals. */
  private static Candidate best(Task t) {
    Candidate best = null;
    for (Candidate c : t.candidates) {
      if (best == null || c.support() > best.support()) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Spot re-execution: a share of first_valid tasks, trusted workers' included, get a second
   * attempt on another worker, and only agreement lets the result stand. Only when another
   * worker that could run the task is connected, so a lone worker is never left waiting.
   */
  private boolean chooseSpotCheck(Task t) {
    // A program's output (a model's sampled answer) need not repeat: a second run proves nothing.
    if (Programs.isProgram(t.operator)
        || settings.spotCheckFraction() <= 0
        || random.nextDouble() >= settings.spotCheckFraction()) {
      return false;
    }
    String first = t.candidates.getFirst().peerId();
    for (WorkerSession s : sessions.values()) {
      if (!s.peerId.equals(first) && eligible(s, t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Workers disagree and first_valid cannot say who is right: recompute here. Candidates that
   * match stand, the others are discarded and their workers penalised.
   */
  private void recompute(Task t) {
    List<Candidate> suspects = List.copyOf(t.candidates);
    t.checking = true;
    TaskDescriptor task = t.resolved;
    validations.execute(
        () -> {
          List<Verdict> verdicts = new ArrayList<>();
          for (Candidate c : suspects) {
            Verdict v;
            try {
              v = checker.recompute(task, c.attempt.result);
            } catch (RuntimeException e) {
              log.error("event=recompute_failed task={} operator={}", t.id, t.operator, e);
              v = Verdict.of(List.of(Check.failed("validator_error", e.toString())));
            }
            verdicts.add(v);
          }
          act(
              () -> {
                t.checking = false;
                if (!t.state.isTerminal()) {
                  recomputed(t, suspects, verdicts);
                }
                validateNext(t);
                advance(t, "recomputed to settle a disagreement");
              });
        });
  }

  private void recomputed(Task t, List<Candidate> suspects, List<Verdict> verdicts) {
    Candidate winner = null;
    for (int i = 0; i < suspects.size(); i++) {
      Candidate c = suspects.get(i);
      Verdict v = verdicts.get(i);
      v.checks().forEach(check -> t.checks.add(Acceptance.Entry.of(c.attempt.number, c.peerId(), check)));
      if (v.passed()) {
        if (winner == null) {
          winner = c;
        }
      } else {
        discard(t, c, "disagreed", "recomputation: " + v.failure());
      }
    }
    if (winner != null) {
      accept(t, winner, "recomputed");
    }
  }

  /** Drops a candidate that lost a vote or a recomputation; its worker is penalised. */
  private void discard(Task t, Candidate c, String kind, String why) {
    t.candidates.remove(c);
    for (Candidate o : t.candidates) {
      o.agrees.remove(c);
    }
    c.attempt.detail = "outvoted: " + why;
    List<Check> checks = new ArrayList<>(c.attempt.verdict.checks());
    checks.add(Check.failed("outvoted", why));
    c.attempt.verdict = Verdict.of(checks);
    dirtyAttempts.add(c.attempt);
    judge(c.peerId(), kind, c.attempt.key() + ": " + why);
  }

  /**
   * Makes {@code chosen}'s result the task's: candidates that disagree with it are penalised,
   * surplus live attempts are stopped (not their workers' fault), results still queued for
   * validation are kept but not applied.
   */
  private void accept(Task t, Candidate chosen, String decidedBy) {
    List<String> agreeing = new ArrayList<>();
    for (Candidate c : List.copyOf(t.candidates)) {
      if (c == chosen) {
        continue;
      }
      if (chosen.agrees.contains(c)) {
        agreeing.add(c.peerId());
      } else {
        discard(t, c, "disagreed", "disagreed with the accepted result of attempt " + chosen.attempt.number);
      }
    }
    for (Attempt l : List.copyOf(t.live)) {
      t.live.remove(l);
      end(l, AttemptState.CANCELLED, "not needed: the task's result was accepted");
      tellToStop(l, "not needed: the task's result was accepted");
    }
    for (Attempt q : t.toValidate) {
      receipt(q, Disposition.DISPOSITION_LATE, "the task was settled by another result");
    }
    t.toValidate.clear();
    t.acceptance =
        new Acceptance(
            t.policy.toString(), decidedBy, chosen.attempt.number, chosen.peerId(), agreeing, List.copyOf(t.checks));
    t.result = chosen.attempt.result;
    t.resultPeer = chosen.peerId();
    t.candidates.clear();
    setTask(t, TaskState.SUCCEEDED, "accepted from " + chosen.peerId() + " (" + decidedBy + ")");
    for (Task d : t.downstream) {
      inputsReady(d);
    }
    finishJobIfDone(t.job);
  }

  // ---------------------------------------------------------------- task graphs

  /** Tells each task of a job which tasks read its outputs. */
  private static void linkGraph(Job job) {
    for (Task t : job.tasks.values()) {
      for (String u : t.upstream) {
        job.tasks.get(u).downstream.add(t);
      }
    }
  }

  /**
   * A WAITING task whose upstream tasks have all been accepted takes their outputs in place of
   * its placeholders and becomes READY.
   */
  private void inputsReady(Task t) {
    if (t.state != TaskState.WAITING) {
      return;
    }
    for (String u : t.upstream) {
      if (t.job.tasks.get(u).state != TaskState.SUCCEEDED) {
        return;
      }
    }
    t.resolvedAs(TaskInputs.resolve(t.template, in -> t.job.tasks.get(in.taskId()).result.getOutputs(in.output())));
    setTask(t, TaskState.READY, "inputs accepted from " + String.join(", ", t.upstream));
    enqueue(t);
  }

  /**
   * A task that will never succeed takes every task that reads it (and theirs) with it; tasks
   * that do not depend on it run on. A failed input fails its readers, a cancelled one cancels them.
   */
  private void endDownstream(Task t, TaskState to) {
    String reason = "input task " + t.id + (to == TaskState.FAILED ? " failed" : " was " + t.state.wireName());
    for (Task d : t.downstream) {
      if (!d.state.isTerminal()) {
        if (to == TaskState.FAILED) {
          d.error = reason;
        }
        settle(d, to, reason);
        endDownstream(d, to);
      }
    }
  }

  /**
   * Structural validation: the outputs must be exactly what the operator promises for these
   * inputs, inline up to the protocol's limit and in the data service above it.
   */
  private static String structure(Task t, ResultDescriptor r) {
    if (r.getOutputsCount() != t.expectedOutputs.size()) {
      return "expected " + t.expectedOutputs.size() + " outputs, got " + r.getOutputsCount();
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      Value v = r.getOutputs(i);
      if (!v.hasTensor() && !v.hasTensorRef()) {
        return "output " + i + " is not a tensor";
      }
      if (v.hasTensor() && v.getTensor().getData().size() > INLINE_LIMIT) {
        return "output " + i + " is " + v.getTensor().getData().size() + " bytes inline; above " + INLINE_LIMIT
            + " it must be uploaded";
      }
      if (v.hasTensorRef() && !TaskInputs.isStored(v)) {
        return "output " + i + " is a reference outside the data service";
      }
      TensorSpec expected = t.expectedOutputs.get(i);
      TensorSpec got = TaskInputs.spec(v);
      if (got.dtype() != expected.dtype()) {
        return "output " + i + " has dtype " + got.dtype().wireName() + ", expected " + expected.dtype().wireName();
      }
      if (!got.shape().equals(expected.shape())) {
        return "output " + i + " has shape " + got.shape() + ", expected " + expected.shape();
      }
    }
    return null;
  }

  /**
   * A live attempt ended without a result to validate: charge it if it was the worker's doing,
   * then see what the task needs next.
   */
  private void attemptFinished(Attempt a, boolean charged, String reason) {
    Task t = a.task;
    if (!t.live.remove(a) || t.state.isTerminal()) {
      return;
    }
    if (t.streamedAttempt == a.number) {
      // A client already holds this attempt's output: a second attempt would stream it again.
      fail(t, reason + " after streaming output");
      return;
    }
    if (charged) {
      t.retriesUsed++;
      scheduleRetry(t);
    }
    advance(t, reason);
  }

  /** After a charged failure: the task rejoins a ready queue only after a backoff. */
  private void scheduleRetry(Task t) {
    long backoff = backoff(t.retriesUsed);
    if (t.queued || backoff == 0) {
      return;
    }
    t.queued = true;
    clock.schedule(inSync, () -> act(() -> {
      t.queued = false;
      advance(t, "backoff over");
    }), backoff);
  }

  /** The most attempts that may yield a result or be charged: the retry budget, widened by the policy. */
  private static int budget(Task t) {
    return switch (t.policy.kind()) {
      case FIRST_VALID -> t.maxAttempts + (Boolean.TRUE.equals(t.spotCheck) ? 1 : 0);
      case MANUAL -> t.maxAttempts;
      case QUORUM -> t.policy.n() + t.maxAttempts - 1;
    };
  }

  /** Attempts out or results waiting: what may still turn into a candidate. */
  private static int outstanding(Task t) {
    return t.live.size() + t.toValidate.size() + (t.checking ? 1 : 0);
  }

  /** How many more attempts the policy wants on top of those outstanding, before the budget. */
  private static int wanted(Task t) {
    int outstanding = outstanding(t);
    int need =
        switch (t.policy.kind()) {
          case FIRST_VALID -> (Boolean.TRUE.equals(t.spotCheck) ? 2 : 1) - t.candidates.size();
          case MANUAL -> 1 - t.candidates.size();
          case QUORUM -> {
            Candidate best = best(t);
            int support = best == null ? 0 : best.support();
            yield Math.max(t.policy.n() - t.candidates.size(), t.policy.k() - support);
          }
        };
    return Math.max(0, need - outstanding);
  }

  /** Attempts still allowed by the budget. */
  private static int budgetLeft(Task t) {
    return budget(t) - t.retriesUsed - t.validResults - outstanding(t);
  }

  /**
   * The one place a non-terminal task's state follows from its facts: fails it when it needs
   * more than its budget allows, queues it when it needs more attempts, and sets its state
   * (RUNNING while attempts are out, VALIDATING while results are checked, AWAITING_CONFIRMATION
   * while kept results wait for the client, READY otherwise).
   */
  private void advance(Task t, String reason) {
    if (t.state.isTerminal() || t.state == TaskState.WAITING) {
      return;
    }
    int wanted = wanted(t);
    int outstanding = outstanding(t);
    if (wanted > 0 && budgetLeft(t) <= 0 && outstanding == 0) {
      fail(t, "retry budget spent (" + budget(t) + " attempts)" + disagreement(t) + "; last: " + reason);
      return;
    }
    if (wanted > 0 && t.attempts.size() >= t.maxAttempts * DISPATCH_CAP_FACTOR && outstanding == 0) {
      fail(t, "dispatched " + t.attempts.size() + " times without a result; last: " + reason);
      return;
    }
    TaskState target;
    if (!t.live.isEmpty()) {
      target = TaskState.RUNNING;
    } else if (outstanding > 0) {
      target = TaskState.VALIDATING;
    } else if (t.policy.kind() == AcceptancePolicy.Kind.MANUAL && !t.candidates.isEmpty()) {
      target = TaskState.AWAITING_CONFIRMATION;
    } else {
      target = TaskState.READY;
    }
    if (target != t.state) {
      setTask(t, target, reason);
    }
    if (wanted > 0 && budgetLeft(t) > 0 && !t.queued) {
      enqueue(t);
    }
  }

  /** For a failed quorum: which workers' results agreed with which. */
  private static String disagreement(Task t) {
    if (t.policy.kind() != AcceptancePolicy.Kind.QUORUM || t.candidates.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("; no ").append(t.policy.k()).append(" results agree:");
    Set<Candidate> shown = new HashSet<>();
    for (Candidate c : t.candidates) {
      if (shown.add(c)) {
        b.append(" [").append(c.peerId());
        for (Candidate o : c.agrees) {
          if (shown.add(o)) {
            b.append(", ").append(o.peerId());
          }
        }
        b.append(']');
      }
    }
    return b.toString();
  }

  private void fail(Task t, String error) {
    t.error = error;
    t.toValidate.clear();
    t.candidates.clear();
    setTask(t, TaskState.FAILED, t.error);
    if (t.job.error == null) {
      t.job.error = "task " + t.id + " failed: " + error;
    }
    endDownstream(t, TaskState.FAILED);
    finishJobIfDone(t.job);
  }

  private long backoff(int retriesUsed) {
    long base = settings.backoffBaseMillis();
    long delay = base << Math.min(20, Math.max(0, retriesUsed - 1));
    long capped = Math.min(settings.backoffMaxMillis(), delay);
    // Jitter keeps a burst of failures from coming back as a burst.
    return capped == 0 ? 0 : capped / 2 + (long) (random.nextDouble() * (capped / 2.0));
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
    for (Attempt a : List.copyOf(t.live)) {
      t.live.remove(a);
      end(a, AttemptState.CANCELLED, reason);
      tellToStop(a, reason);
    }
    for (Attempt q : t.toValidate) {
      receipt(q, Disposition.DISPOSITION_LATE, "the task was settled: " + reason);
    }
    t.toValidate.clear();
    t.candidates.clear();
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
    // Let go by a sweep once a second rather than a timer each: at a thousand jobs a second, a
    // timer per job woke the timer thread (and ran the core there) once per request.
    ArrayDeque<Forget> queue = settled(job) ? forgetSettled : forgetOthers;
    long keep = queue == forgetSettled ? Math.min(SETTLED_KEPT_MILLIS, settings.retainFinishedMillis()) : settings.retainFinishedMillis();
    committer.afterCommit(() -> act(() -> queue.add(new Forget(clock.millis() + keep, job.id))));
  }

  private record Forget(long at, String jobId) {}

  /** Lets go of finished jobs whose time in memory is over; the store still answers for them. */
  private void forgetDue() {
    act(
        () -> {
          long now = clock.millis();
          for (ArrayDeque<Forget> queue : List.of(forgetSettled, forgetOthers)) {
            for (Forget f = queue.peekFirst(); f != null && f.at() <= now; f = queue.peekFirst()) {
              queue.pollFirst();
              jobs.remove(f.jobId());
            }
          }
          if (!stopping) {
            forgetTimer = clock.schedule(inSync, this::forgetDue, FORGET_EVERY_MILLIS);
          }
        });
  }

  /**
   * Whether every attempt of a finished job has answered: then no late result can come, only a
   * retransmission after a reconnect, and the job need not stay in memory long. A gateway
   * finishes a thousand such jobs a second; holding each for the full minute made them most of
   * the orchestrator's live heap, and its collector's pauses set the latency tail.
   */
  private static boolean settled(Job job) {
    for (Task t : job.tasks.values()) {
      for (Attempt a : t.attempts) {
        if (a.answeredIn == 0) {
          return false;
        }
      }
    }
    return true;
  }

  private void gone(WorkerSession s, String reason) {
    if (s.gone) {
      return;
    }
    s.gone = true;
    sessions.remove(s.sessionId);
    departed.remove(s.peerId);
    departed.put(s.peerId, s.status(reputations.standing(s.peerId, clock.millis()), trusted.contains(s.peerId)));
    if (departed.size() > DEPARTED_KEPT_MAX) {
      departed.remove(departed.keySet().iterator().next());
    }
    for (Attempt a : List.copyOf(s.holding.values())) {
      release(a);
      if (a.state.isLive()) {
        end(a, AttemptState.LOST, "worker gone: " + reason);
        judge(s.peerId, "lost", a.key());
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
          creditValidResults();
          if (settings.resultRetentionMillis() > 0 && now - lastPurge >= PURGE_EVERY_MILLIS) {
            lastPurge = now;
            outbox.add(new StoreWrite.PurgeFinished(now - settings.resultRetentionMillis()));
          }
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
    if (t.routing.external()) {
      // Its service's own scheduler assigns it (assign); the task waits READY until then.
      return;
    }
    t.queued = true;
    t.queuedAt = clock.millis();
    ready.computeIfAbsent(t.requirementKey(), k -> new ArrayDeque<>()).addLast(t);
  }

  /**
   * Whether {@code s} may run {@code t} at all: it can (operator, model, capacity limits,
   * routing), is not quarantined, and is registered to the task's service if it has one.
   */
  private boolean eligible(WorkerSession s, Task t) {
    return s.canRun(t)
        && (t.dataKeys.length == 0 || s.resolvesData)
        && !quarantined(s.peerId)
        && (t.routing.service().isEmpty() || registrations.isRegistered(t.routing.service(), s.peerId));
  }

  /** Which workers are registered to which services (the services registry answers). */
  public interface Registrations {
    boolean isRegistered(String service, String peerId);
  }

  private volatile Registrations registrations = (service, peer) -> false;

  private volatile DataLinks dataLinks = DataLinks.NONE;

  /**
   * Blobs (sha256, hex) that unfinished jobs read or that their results name: the data service
   * must keep them, whatever their age.
   */
  public CompletableFuture<Set<String>> liveBlobs() {
    return query(
        () -> {
          Set<String> live = new HashSet<>();
          for (Job j : jobs.values()) {
            if (j.state.isTerminal()) {
              continue;
            }
            for (Task t : j.tasks.values()) {
              stored(live, t.template.getInputsList());
              if (t.resolved != null) {
                stored(live, t.resolved.getInputsList());
              }
              if (t.result != null) {
                stored(live, t.result.getOutputsList());
              }
              for (Attempt a : t.attempts) {
                if (a.result != null) {
                  stored(live, a.result.getOutputsList());
                }
              }
            }
          }
          return live;
        });
  }

  private static void stored(Set<String> live, List<Value> values) {
    for (Value v : values) {
      String sha = v.hasTensorRef() ? TaskInputs.sha256(v.getTensorRef().getData().getDigest()) : null;
      if (sha != null) {
        live.add(sha);
      }
    }
  }

  /** Inputs in the data service reach workers as {@code links} signs them. */
  public void useDataLinks(DataLinks links) {
    this.dataLinks = links;
  }

  /** Tasks of a service go only to workers {@code registrations} says are registered to it. */
  public void useRegistrations(Registrations registrations) {
    this.registrations = registrations;
  }

  /** Tasks skipped per queue and dispatch round because no eligible worker is free for them. */
  private static final int MAX_SKIPPED = 64;

  /**
   * Hands ready tasks to workers with free slots, reserving each slot before the send. A task
   * that needs a worker it has not used yet (a quorum, a spot check) and finds none free is
   * passed over, so it does not hold up the tasks behind it.
   */
  private void dispatch() {
    if (stopping || ready.isEmpty() || sessions.isEmpty()) {
      return;
    }
    var queues = ready.entrySet().iterator();
    while (queues.hasNext()) {
      ArrayDeque<Task> queue = queues.next().getValue();
      List<Task> skipped = new ArrayList<>();
      while (!queue.isEmpty() && skipped.size() < MAX_SKIPPED) {
        Task t = queue.peekFirst();
        int wanted = t.state.isTerminal() ? 0 : Math.min(wanted(t), budgetLeft(t));
        if (wanted <= 0) {
          queue.pollFirst();
          t.queued = false;
          continue;
        }
        WorkerSession w = pick(t);
        if (w == null && spotCheckImpossible(t)) {
          // The only worker left that could re-execute it is the one that ran it: accept as validated.
          queue.pollFirst();
          t.queued = false;
          t.checks.add(
              Acceptance.Entry.of(
                  t.candidates.getFirst().attempt.number, t.candidates.getFirst().peerId(),
                  Check.passed("spot_check", "skipped: no other worker can run the task")));
          accept(t, t.candidates.getFirst(), "validated");
          continue;
        }
        if (w == null) {
          if (!anyFreeSlot(t)) {
            break;
          }
          skipped.add(queue.pollFirst());
          continue;
        }
        if (t.dataKeys.length > 0 && waitsForItsData(t, w)) {
          skipped.add(queue.pollFirst());
          continue;
        }
        startAttempt(t, w);
        if (wanted == 1) {
          queue.pollFirst();
          t.queued = false;
        }
      }
      for (int i = skipped.size() - 1; i >= 0; i--) {
        queue.addFirst(skipped.get(i));
      }
      if (queue.isEmpty()) {
        queues.remove();
      }
    }
  }

  /**
   * A first_valid task picked for a spot check whose only result is in, while no connected worker
   * other than the one that produced it could run the task.
   */
  private boolean spotCheckImpossible(Task t) {
    if (t.policy.kind() != AcceptancePolicy.Kind.FIRST_VALID || !Boolean.TRUE.equals(t.spotCheck)
        || t.candidates.size() != 1 || outstanding(t) != 0) {
      return false;
    }
    for (WorkerSession s : sessions.values()) {
      if (eligible(s, t) && !busyWith(t, s.peerId)) {
        return false;
      }
    }
    return true;
  }

  /** Whether some worker that could run tasks like {@code t} has a free slot at all. */
  private boolean anyFreeSlot(Task t) {
    for (WorkerSession s : sessions.values()) {
      if (s.freeSlots() > 0 && eligible(s, t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The least loaded worker that can run the task and has a free slot, never one already
   * working on it or holding one of its results, and preferring one that has not tried it before
   * (a retry should not land on the worker that just failed it).
   */
  private WorkerSession pick(Task t) {
    WorkerSession best = null;
    WorkerSession bestFresh = null;
    int bestTier = Integer.MAX_VALUE;
    for (WorkerSession s : sessions.values()) {
      if (s.freeSlots() <= 0 || !eligible(s, t) || busyWith(t, s.peerId)) {
        continue;
      }
      // A better routing tier wins outright (API.md "Matching"); data locality, then load, decide within a tier.
      int tier = s.tier(t.routing);
      if (tier < bestTier) {
        bestTier = tier;
        best = null;
        bestFresh = null;
      } else if (tier > bestTier) {
        continue;
      }
      if (best == null || better(t, s, best)) {
        best = s;
      }
      if (!t.triedPeers.contains(s.peerId) && (bestFresh == null || better(t, s, bestFresh))) {
        bestFresh = s;
      }
    }
    return bestFresh != null ? bestFresh : best;
  }

  /**
   * How long a task may wait for a busy worker that holds more of its inputs than the free one it
   * could go to now (delay scheduling): long enough for a slot there to free up, short enough
   * that a new or idle worker is never left waiting on a busy one for long.
   */
  static final long LOCALITY_WAIT_MILLIS = 2_000;

  /** When a dispatch pass is already due for tasks waiting on their data (0: none). */
  private long localityWakeAt;

  /**
   * Whether {@code t} should pass up free worker {@code w} for now, because a busy worker holds
   * more of its inputs and the task has not waited {@link #LOCALITY_WAIT_MILLIS} yet. If so, a
   * dispatch pass is due when that wait ends, in case no slot frees before.
   */
  private boolean waitsForItsData(Task t, WorkerSession w) {
    long now = clock.millis();
    long until = t.queuedAt + LOCALITY_WAIT_MILLIS;
    if (now >= until) {
      return false;
    }
    long here = t.heldBy(w.held);
    for (WorkerSession s : sessions.values()) {
      if (s != w && s.freeSlots() <= 0 && t.heldBy(s.held) > here && eligible(s, t) && !busyWith(t, s.peerId)) {
        if (localityWakeAt == 0 || until < localityWakeAt) {
          localityWakeAt = until;
          clock.schedule(inSync, () -> act(() -> localityWakeAt = 0), until - now);
        }
        return true;
      }
    }
    return false;
  }

  /** Whether {@code a} suits {@code t} better than {@code b}: more of its inputs there already, then less loaded. */
  private static boolean better(Task t, WorkerSession a, WorkerSession b) {
    if (t.dataKeys.length > 0) {
      long ha = t.heldBy(a.held);
      long hb = t.heldBy(b.held);
      if (ha != hb) {
        return ha > hb;
      }
    }
    return better(a, b);
  }

  /** Whether the worker has a live attempt, a result being checked or a candidate for the task. */
  private static boolean busyWith(Task t, String peerId) {
    if (t.inCheck != null && t.inCheck.peerId.equals(peerId)) {
      return true;
    }
    for (Attempt a : t.live) {
      if (a.peerId.equals(peerId)) {
        return true;
      }
    }
    for (Attempt a : t.toValidate) {
      if (a.peerId.equals(peerId)) {
        return true;
      }
    }
    for (Candidate c : t.candidates) {
      if (c.peerId().equals(peerId)) {
        return true;
      }
    }
    return false;
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
    t.live.add(a);
    t.triedPeers.add(w.peerId);
    t.job.attempts++;
    if (a.number > 1) {
      t.job.retries++;
    }
    w.reserved++;
    a.holdsSlot = true;
    w.holding.put(a.key(), a);
    dirtyAttempts.add(a);
    event("attempt", t.job, t, a, "", AttemptState.DISPATCHED.name(), "to " + w.peerId);
    if (t.state != TaskState.RUNNING) {
      setTask(t, TaskState.RUNNING, "attempt " + a.number + " on " + w.peerId);
    }
    a.deadline =
        clock.schedule(
            inSync, () -> act(() -> deadlinePassed(a)), t.template.getTimeoutMs() + settings.ackGraceMillis());
    TaskDescriptor.Builder descriptor = dataLinks.forAttempt(t.resolved, ref(a), t.outputBytes).toBuilder().setAttempt(ref(a));
    String model = w.modelFor(t);
    if (!model.equals(t.model)) {
      descriptor.setModel(model);
    }
    for (TaskWatcher watcher : t.watchers) {
      watcher.started(a.number, w.peerId, w.descriptor.getName());
    }
    for (int i = 0; i < t.dataKeys.length; i++) {
      w.held.sent(t.dataKeys[i], t.dataBytes[i]);
    }
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
    judge(a.peerId, "timed_out", a.key());
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
    if (to.isTerminal()) {
      // Paid or refunded in the same batch as the end itself.
      append(payments.settle(t.job.id, t.id, to, t.resultPeer, acting));
    }
    if (to.isTerminal() && !t.watchers.isEmpty()) {
      TaskStatus status = taskStatus(t);
      t.watchers.forEach(w -> w.finished(status));
      t.watchers.clear();
    }
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
    String type =
        switch (kind) {
          case "job" -> from.isEmpty() ? EventTypes.JOB_PUBLISHED : EventTypes.JOB_STATUS_CHANGED;
          case "task" -> from.isEmpty() ? EventTypes.TASK_PUBLISHED : EventTypes.TASK_STATUS_CHANGED;
          case "attempt" -> EventTypes.ofAttempt(from, to);
          default -> throw new IllegalArgumentException("no event type for kind " + kind);
        };
    outbox.add(
        new StoreWrite.AppendEvent(
            new EventRecord(
                nextSeq++,
                clock.millis(),
                type,
                kind,
                job == null ? "" : job.id,
                task == null ? "" : task.id,
                attempt == null ? 0 : attempt.number,
                attempt == null ? "" : attempt.peerId,
                from,
                to,
                detail,
                // A service's tasks and attempts carry it, so its scheduler can follow them with service=.
                task == null ? "" : task.routing.service(),
                !actingFor.isEmpty() ? actingFor : job == null ? "" : job.publishedBy.principal(),
                acting)));
  }

  private void workerEvent(WorkerSession s, String from, String to, String detail) {
    outbox.add(
        new StoreWrite.AppendEvent(
            new EventRecord(
                nextSeq++, clock.millis(), EventTypes.ofWorker(to), "worker", "", "", 0, s.peerId, from, to, detail, "",
                "", "")));
  }

  /**
   * Completes {@code out} with {@code value} once everything this action wrote is durable, or
   * fails it as unavailable if the store failed: an answer never claims what a crash could undo.
   */
  private <T> void whenDurable(CompletableFuture<T> out, T value) {
    durable()
        .whenComplete(
            (ok, e) -> {
              if (e != null) {
                out.completeExceptionally(new Unavailable("store failed: " + e.getMessage()));
              } else {
                out.complete(value);
              }
            });
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
      boolean succeeded = t.state == TaskState.SUCCEEDED && t.result != null;
      outbox.add(
          new StoreWrite.SetTaskState(
              t.job.id, t.id, t.state, t.retriesUsed, t.attempts.size(), t.error,
              succeeded ? t.result.toByteArray() : null, succeeded ? t.resultPeer : null, now,
              succeeded && t.acceptance != null ? t.acceptance.toJson() : null));
    }
    dirtyTasks.clear();
    for (Attempt a : dirtyAttempts) {
      outbox.add(
          new StoreWrite.PutAttempt(
              new AttemptRecord(
                  a.task.job.id, a.task.id, a.number, a.peerId, a.state, a.dispatchedAt, a.endedAt, a.detail,
                  a.result == null ? null : a.result.toByteArray(), a.verdict == null ? null : a.verdict.toJson())));
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
            // Whatever the action's key did is recorded; what dispatch does, the orchestrator did.
            acting = "";
            actingFor = "";
            dispatch();
          } finally {
            acting = "";
            actingFor = "";
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

  /** A receipt for an attempt's result, if the worker that sent it is still connected. */
  private void receipt(Attempt a, Disposition d, String detail) {
    if (a.session != null && !a.session.gone) {
      receipt(a.session, ref(a), d, detail);
    }
  }

  private record Receipt(WorkerChannel channel, OrchestratorMessage message) {}

  /** Whether the worker is excluded from scheduling. */
  private boolean quarantined(String peerId) {
    return reputations.isQuarantined(peerId, clock.millis());
  }

  private void recover(JobRecord record) {
    Job job =
        new Job(
            record.id(), record.kind(), record.spec(), record.createdAt(), record.deadlineAt(),
            new Actor(record.owner(), record.actor()));
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
      Task t =
          new Task(
              job, r.taskId(), r.index(), template, r.maxAttempts(), expectedOutputs(template),
              AcceptancePolicy.parse(r.policy()), Routing.fromSpec(record.kind(), record.spec()));
      t.acceptance = Acceptance.fromJson(r.acceptance());
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
        a.result = parseResult(ar.result());
        a.verdict = Verdict.fromJson(ar.verdict());
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
    linkGraph(job);
    for (Task t : job.tasks.values()) {
      if (t.state.isTerminal()) {
        continue;
      }
      if (t.state == TaskState.WAITING) {
        continue;
      }
      if (t.resolved == null) {
        // Past WAITING, so every task it reads from was accepted: the same outputs again.
        t.resolvedAs(TaskInputs.resolve(t.template, in -> job.tasks.get(in.taskId()).result.getOutputs(in.output())));
      }
      for (Attempt a : t.attempts) {
        if (a.state.isLive()) {
          // The restart is not the attempt's fault: no retry is charged.
          end(a, AttemptState.LOST, "orchestrator restarted");
        } else if (a.state == AttemptState.COMPLETED && a.result != null) {
          if (a.verdict == null) {
            t.toValidate.add(a);
          } else if (a.verdict.passed()) {
            restoreCandidate(t, a);
          } else if (outvoted(a.verdict)) {
            t.validResults++;
          }
        }
      }
      if (!t.candidates.isEmpty() && t.toValidate.isEmpty()) {
        decide(t);
      }
      validateNext(t);
      advance(t, "orchestrator restarted");
    }
    for (Task t : List.copyOf(job.tasks.values())) {
      // A crash between an upstream task's end and its readers' change leaves them WAITING.
      if (t.state.isTerminal() && !t.state.isSuccessful()) {
        endDownstream(t, t.state == TaskState.FAILED ? TaskState.FAILED : TaskState.CANCELLED);
      } else if (t.state == TaskState.SUCCEEDED) {
        t.downstream.forEach(this::inputsReady);
      }
    }
    log.info("event=job_recovered job={} tasks={} unfinished={}", job.id, job.tasks.size(), job.unfinished());
    finishJobIfDone(job);
    if (job.deadlineAt > 0 && !job.state.isTerminal()) {
      // The deadline is absolute: a restart neither resets nor forgets it.
      clock.schedule(inSync, () -> expire(job), Math.max(0, job.deadlineAt - clock.millis()));
    }
  }

  /**
   * A valid result from before the restart becomes a candidate again. Agreement was not stored,
   * so it is recomputed here: recovery runs before any worker is served, so blocking is fine.
   */
  private void restoreCandidate(Task t, Attempt a) {
    Candidate c = new Candidate(a);
    for (Candidate other : t.candidates) {
      if (checker.agree(t.resolved, a.result, other.attempt.result, new SplittableRandom(random.nextLong()))) {
        c.agrees.add(other);
        other.agrees.add(c);
      }
    }
    t.candidates.add(c);
    t.validResults++;
  }

  /** A verdict that passed validation but lost a vote or a recomputation afterwards. */
  private static boolean outvoted(Verdict v) {
    return !v.checks().isEmpty()
        && v.checks().getLast().method().equals("outvoted")
        && v.checks().subList(0, v.checks().size() - 1).stream().allMatch(Check::passed);
  }

  private static List<TensorSpec> expectedOutputs(TaskDescriptor template) {
    if (Programs.isProgram(template.getOperator())) {
      return List.of();
    }
    var op = dev.shoal.operators.OperatorRegistry.standard().require(dev.shoal.operators.OperatorId.parse(template.getOperator()));
    List<TensorSpec> inputs = new ArrayList<>();
    for (Value v : template.getInputsList()) {
      inputs.add(TaskInputs.spec(v));
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
        t.result,
        t.policy.toString(),
        t.acceptance,
        t.candidates.stream()
            .map(c -> new TaskStatus.CandidateStatus(c.attempt.number, c.peerId(), c.attempt.result, c.attempt.verdict.checks()))
            .toList());
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
        parseResult(r.result()), r.policy(), Acceptance.fromJson(r.acceptance()), List.of());
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
        Math.max(0, attempts - tasks.size()), j.error(), j.owner());
  }

  @Override
  public String newJobId() {
    return newJobId(clock.millis());
  }

  private String newJobId(long now) {
    StringBuilder b = new StringBuilder("j").append(Long.toString(now, 36));
    // Ten base-36 digits (51.7 bits) from one draw: each draw of a SecureRandom is a locked call.
    long bits = random.nextLong() >>> 1;
    for (int i = 0; i < 10; i++) {
      b.append(ID_CHARS[(int) (bits % ID_CHARS.length)]);
      bits /= ID_CHARS.length;
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
