package dev.shoal.orchestrator.internal.store;

import dev.shoal.protocol.LedgerEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * State kept in memory only: for tests and for throwaway meshes. Bounded, so a mesh under
 * sustained load (a gateway answering thousands of requests a second) neither fills its heap nor
 * slows its collector with a growing live set: it keeps the newest {@code maxEvents} events and
 * the newest {@code maxFinishedJobs} finished jobs, forgetting older ones before their retention
 * ends (a durable store keeps them for the whole retention). Thread-safe (one lock).
 */
public final class MemoryStore implements StateStore {

  public static final int DEFAULT_MAX_EVENTS = 100_000;
  public static final int DEFAULT_MAX_FINISHED_JOBS = 10_000;

  private final int maxEvents;
  private final int maxFinishedJobs;
  /** Finished jobs, oldest first: the order they are forgotten in. */
  private final java.util.ArrayDeque<String> finished = new java.util.ArrayDeque<>();
  /**
   * Jobs forgotten lately: the core may still write a late attempt for one, which is dropped
   * rather than refused. As many as are kept, so it is bounded too.
   */
  private final java.util.Set<String> forgotten =
      java.util.Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > Math.max(1, maxFinishedJobs);
            }
          });

  public MemoryStore() {
    this(DEFAULT_MAX_EVENTS, DEFAULT_MAX_FINISHED_JOBS);
  }

  public MemoryStore(int maxEvents, int maxFinishedJobs) {
    if (maxEvents < 1 || maxFinishedJobs < 1) {
      throw new IllegalArgumentException("a memory store keeps at least one event and one finished job");
    }
    this.maxEvents = maxEvents;
    this.maxFinishedJobs = maxFinishedJobs;
  }

  private final Map<String, JobRecord> jobs = new LinkedHashMap<>();
  private final Map<String, Map<String, TaskRecord>> tasks = new LinkedHashMap<>();
  private final Map<String, Map<String, AttemptRecord>> attempts = new LinkedHashMap<>();
  private final TreeMap<Long, EventRecord> events = new TreeMap<>();
  private final TreeMap<Long, LedgerEntry> ledger = new TreeMap<>();
  private final java.util.Set<String> trusted = new java.util.TreeSet<>();
  private final Map<String, PrincipalRecord> principals = new java.util.LinkedHashMap<>();
  /** Keyed by principal and delegate: a new grant replaces the old one in place. */
  private final Map<String, DelegationRecord> delegations = new java.util.LinkedHashMap<>();
  /** Keyed by worker and creation time: a worker paired again gets a new row. */
  private final Map<String, PairingRecord> pairings = new java.util.LinkedHashMap<>();
  private final Map<String, ServiceRecord> services = new java.util.LinkedHashMap<>();
  /** Kept whole, unlike events: the books must balance from the first entry. */
  private final TreeMap<Long, CreditEntry> credits = new TreeMap<>();
  private final Map<String, RegistrationRecord> registrations = new java.util.LinkedHashMap<>();

  @Override
  public synchronized void apply(List<StoreWrite> batch) {
    List<StoreWrite> live = withoutForgotten(batch);
    check(live);
    for (StoreWrite w : live) {
      switch (w) {
        case StoreWrite.PutJob p -> {
          if (jobs.containsKey(p.job().id())) {
            throw new StoreException("job " + p.job().id() + " already exists");
          }
          jobs.put(p.job().id(), p.job());
          Map<String, TaskRecord> byId = new LinkedHashMap<>();
          p.tasks().forEach(t -> byId.put(t.taskId(), t));
          tasks.put(p.job().id(), byId);
          attempts.put(p.job().id(), new LinkedHashMap<>());
        }
        case StoreWrite.PurgeFinished p -> {
          var it = jobs.values().iterator();
          while (it.hasNext()) {
            JobRecord j = it.next();
            if (j.state() != JobState.RUNNING && j.finishedAt() > 0 && j.finishedAt() < p.finishedBefore()) {
              it.remove();
              tasks.remove(j.id());
              attempts.remove(j.id());
              finished.remove(j.id());
            }
          }
        }
        case StoreWrite.SetJobState s -> {
          JobRecord j = require(jobs.get(s.jobId()), "job " + s.jobId());
          if (s.state().isTerminal() && !j.state().isTerminal()) {
            finished.add(j.id());
          }
          jobs.put(
              j.id(),
              new JobRecord(
                  j.id(), j.kind(), j.spec(), s.state(), j.createdAt(), s.finishedAt(), j.taskCount(), s.error(),
                  j.deadlineAt(), j.owner(), j.actor()));
        }
        case StoreWrite.SetTaskState s -> {
          Map<String, TaskRecord> byId = require(tasks.get(s.jobId()), "job " + s.jobId());
          TaskRecord t = require(byId.get(s.taskId()), "task " + s.jobId() + "/" + s.taskId());
          byId.put(
              t.taskId(),
              new TaskRecord(
                  t.jobId(), t.taskId(), t.index(), t.descriptor(), t.maxAttempts(), s.state(), s.retriesUsed(),
                  s.attemptCount(), s.error(), s.result() != null ? s.result() : t.result(),
                  s.resultPeer() != null ? s.resultPeer() : t.resultPeer(), s.updatedAt(), t.policy(),
                  s.acceptance() != null ? s.acceptance() : t.acceptance()));
        }
        case StoreWrite.PutAttempt p -> {
          AttemptRecord a = p.attempt();
          require(tasks.get(a.jobId()), "job " + a.jobId());
          attempts.get(a.jobId()).put(a.taskId() + "#" + a.attempt(), a);
        }
        case StoreWrite.AppendEvent e -> {
          if (hasEvent(e.event().seq())) {
            throw new StoreException("event " + e.event().seq() + " already exists");
          }
          events.put(e.event().seq(), e.event());
          if (events.size() > maxEvents) {
            events.pollFirstEntry();
          }
        }
        case StoreWrite.AppendLedger l -> ledger.put(l.entry().seq(), l.entry());
        case StoreWrite.PutPrincipal p -> principals.put(p.principal().id(), p.principal());
        case StoreWrite.PutDelegation d ->
            delegations.put(d.delegation().principal() + " " + d.delegation().delegate(), d.delegation());
        case StoreWrite.PutPairing p -> pairings.put(p.pairing().worker() + " " + p.pairing().createdAt(), p.pairing());
        case StoreWrite.PutService s -> services.put(s.service().id(), s.service());
        case StoreWrite.AppendCredit c -> credits.put(c.entry().seq(), c.entry());
        case StoreWrite.PutRegistration r -> registrations.put(
            r.registration().service() + " " + r.registration().worker() + " " + r.registration().registeredAt(), r.registration());
        case StoreWrite.SetTrusted t -> {
          if (t.trusted()) {
            trusted.add(t.peerId());
          } else {
            trusted.remove(t.peerId());
          }
        }
      }
    }
    while (finished.size() > maxFinishedJobs) {
      String id = finished.poll();
      jobs.remove(id);
      tasks.remove(id);
      attempts.remove(id);
      forgotten.add(id);
    }
  }

  /** Sequence numbers only grow, so a new one is past the last: no search of the whole log. */
  private boolean hasEvent(long seq) {
    return !events.isEmpty() && seq <= events.lastKey() && events.containsKey(seq);
  }

  /** {@code batch} less its writes to forgotten jobs; the same list when there are none. */
  private List<StoreWrite> withoutForgotten(List<StoreWrite> batch) {
    if (forgotten.isEmpty()) {
      return batch;
    }
    List<StoreWrite> live = null;
    for (int i = 0; i < batch.size(); i++) {
      boolean drop = forgotten.contains(jobOf(batch.get(i)));
      if (drop && live == null) {
        live = new ArrayList<>(batch.subList(0, i));
      } else if (!drop && live != null) {
        live.add(batch.get(i));
      }
    }
    return live == null ? batch : live;
  }

  /** The job a write belongs to, or null for writes that belong to none. */
  private static String jobOf(StoreWrite w) {
    return switch (w) {
      case StoreWrite.SetJobState s -> s.jobId();
      case StoreWrite.SetTaskState s -> s.jobId();
      case StoreWrite.PutAttempt p -> p.attempt().jobId();
      default -> null;
    };
  }

  /** Refuses the whole batch before touching anything, as a database transaction would. */
  private void check(List<StoreWrite> batch) {
    java.util.Set<String> newJobs = new java.util.HashSet<>();
    java.util.Set<Long> newEvents = new java.util.HashSet<>();
    java.util.Map<String, java.util.Set<String>> newTasks = new java.util.HashMap<>();
    long newLedger = 0;
    long newCredits = 0;
    for (StoreWrite w : batch) {
      switch (w) {
        case StoreWrite.PutJob p -> {
          if (jobs.containsKey(p.job().id()) || !newJobs.add(p.job().id())) {
            throw new StoreException("job " + p.job().id() + " already exists");
          }
          java.util.Set<String> ids = new java.util.HashSet<>();
          p.tasks().forEach(t -> ids.add(t.taskId()));
          newTasks.put(p.job().id(), ids);
        }
        case StoreWrite.SetJobState j -> {
          if (!jobs.containsKey(j.jobId()) && !newJobs.contains(j.jobId())) {
            throw new StoreException("job " + j.jobId() + " does not exist");
          }
        }
        case StoreWrite.SetTaskState t -> {
          boolean known =
              (tasks.containsKey(t.jobId()) && tasks.get(t.jobId()).containsKey(t.taskId()))
                  || newTasks.getOrDefault(t.jobId(), java.util.Set.of()).contains(t.taskId());
          if (!known) {
            throw new StoreException("task " + t.jobId() + "/" + t.taskId() + " does not exist");
          }
        }
        case StoreWrite.PutAttempt a -> {
          if (!jobs.containsKey(a.attempt().jobId()) && !newJobs.contains(a.attempt().jobId())) {
            throw new StoreException("job " + a.attempt().jobId() + " does not exist");
          }
        }
        case StoreWrite.AppendEvent e -> {
          if (hasEvent(e.event().seq()) || !newEvents.add(e.event().seq())) {
            throw new StoreException("event " + e.event().seq() + " already exists");
          }
        }
        case StoreWrite.AppendLedger l -> {
          // The ledger only grows, one dense sequence number after another.
          long expected = (ledger.isEmpty() ? 0 : ledger.lastKey()) + 1 + newLedger++;
          if (l.entry().seq() != expected) {
            throw new StoreException("ledger entry " + l.entry().seq() + " is out of sequence; expected " + expected);
          }
        }
        case StoreWrite.PutPrincipal p -> {
          if (principals.containsKey(p.principal().id())) {
            throw new StoreException("principal " + p.principal().id() + " already exists");
          }
        }
        case StoreWrite.PutDelegation d -> {}
        case StoreWrite.PutPairing p -> {}
        case StoreWrite.PutService s -> {}
        case StoreWrite.AppendCredit c -> {
          long expected = (credits.isEmpty() ? 0 : credits.lastKey()) + 1 + newCredits++;
          if (c.entry().seq() != expected) {
            throw new StoreException("credit entry " + c.entry().seq() + " is out of sequence; expected " + expected);
          }
        }
        case StoreWrite.PutRegistration r -> {}
        case StoreWrite.SetTrusted t -> {}
        case StoreWrite.PurgeFinished p -> {}
      }
    }
  }

  private static <T> T require(T value, String what) {
    if (value == null) {
      throw new StoreException(what + " does not exist");
    }
    return value;
  }

  @Override
  public synchronized Optional<JobRecord> job(String jobId) {
    return Optional.ofNullable(jobs.get(jobId));
  }

  @Override
  public synchronized List<JobRecord> unfinishedJobs() {
    return jobs.values().stream()
        .filter(j -> !j.state().isTerminal())
        .sorted(Comparator.comparingLong(JobRecord::createdAt).thenComparing(JobRecord::id))
        .toList();
  }

  @Override
  public synchronized List<JobRecord> recentJobs(int limit) {
    return jobs.values().stream()
        .sorted(Comparator.comparingLong(JobRecord::createdAt).thenComparing(JobRecord::id).reversed())
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized List<TaskRecord> tasks(String jobId) {
    Map<String, TaskRecord> byId = tasks.get(jobId);
    return byId == null ? List.of() : byId.values().stream().sorted(Comparator.comparingInt(TaskRecord::index)).toList();
  }

  @Override
  public synchronized Optional<TaskRecord> task(String jobId, String taskId) {
    Map<String, TaskRecord> byId = tasks.get(jobId);
    return byId == null ? Optional.empty() : Optional.ofNullable(byId.get(taskId));
  }

  @Override
  public synchronized List<AttemptRecord> attempts(String jobId) {
    Map<String, AttemptRecord> byKey = attempts.get(jobId);
    if (byKey == null) {
      return List.of();
    }
    Map<String, TaskRecord> byId = tasks.get(jobId);
    return byKey.values().stream()
        .sorted(
            Comparator.comparingInt((AttemptRecord a) -> byId.get(a.taskId()).index())
                .thenComparingInt(AttemptRecord::attempt))
        .toList();
  }

  @Override
  public synchronized List<AttemptRecord> attempts(String jobId, String taskId) {
    return attempts(jobId).stream().filter(a -> a.taskId().equals(taskId)).toList();
  }

  @Override
  public synchronized List<EventRecord> events(long afterSeq, int limit) {
    return events.tailMap(afterSeq, false).values().stream().limit(limit).toList();
  }

  @Override
  public synchronized long firstEventSeq() {
    return events.isEmpty() ? 0 : events.firstKey();
  }

  @Override
  public synchronized List<String> workersLeftConnected() {
    Map<String, String> newest = new java.util.LinkedHashMap<>();
    for (EventRecord e : events.descendingMap().values()) {
      if (e.kind().equals("worker")) {
        newest.putIfAbsent(e.peerId(), e.to());
      }
    }
    return newest.entrySet().stream().filter(e -> !e.getValue().equals("gone")).map(Map.Entry::getKey).sorted().toList();
  }

  @Override
  public synchronized long lastEventSeq() {
    return events.isEmpty() ? 0 : events.lastKey();
  }

  @Override
  public synchronized List<LedgerEntry> ledger(long afterSeq, int limit) {
    return ledger.tailMap(afterSeq, false).values().stream().limit(limit).toList();
  }

  @Override
  public synchronized List<LedgerEntry> ledgerOf(String subject, long afterSeq, int limit) {
    return ledger.tailMap(afterSeq, false).values().stream().filter(e -> e.subject().equals(subject)).limit(limit).toList();
  }

  @Override
  public synchronized Optional<LedgerEntry> lastLedgerEntry() {
    return ledger.isEmpty() ? Optional.empty() : Optional.of(ledger.lastEntry().getValue());
  }

  @Override
  public synchronized List<PrincipalRecord> principals() {
    return List.copyOf(principals.values());
  }

  @Override
  public synchronized List<DelegationRecord> delegations() {
    return List.copyOf(delegations.values());
  }

  @Override
  public synchronized List<PairingRecord> pairings() {
    return List.copyOf(pairings.values());
  }

  @Override
  public synchronized List<CreditEntry> credits(String account, long afterSeq, int limit) {
    return credits.tailMap(afterSeq, false).values().stream()
        .filter(c -> account.isEmpty() || c.from().equals(account) || c.to().equals(account))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized Map<String, Long> creditBalances() {
    Map<String, Long> out = new java.util.HashMap<>();
    for (CreditEntry c : credits.values()) {
      out.merge(c.from(), -c.amount(), Long::sum);
      out.merge(c.to(), c.amount(), Long::sum);
    }
    return out;
  }

  @Override
  public synchronized long lastCreditSeq() {
    return credits.isEmpty() ? 0 : credits.lastKey();
  }

  @Override
  public synchronized List<ServiceRecord> services() {
    return List.copyOf(services.values());
  }

  @Override
  public synchronized List<RegistrationRecord> registrations() {
    return List.copyOf(registrations.values());
  }

  @Override
  public synchronized java.util.Set<String> trustedPeers() {
    return java.util.Set.copyOf(trusted);
  }

  @Override
  public String describe() {
    return "memory (nothing survives a restart)";
  }

  @Override
  public void close() {}
}
