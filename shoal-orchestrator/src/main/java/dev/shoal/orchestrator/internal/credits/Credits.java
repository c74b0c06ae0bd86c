package dev.shoal.orchestrator.internal.credits;

import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.core.Journal;
import dev.shoal.orchestrator.internal.core.TaskPayments;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.CreditEntry;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.store.TaskRecord;
import dev.shoal.orchestrator.internal.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The double-entry credit ledger. Every movement is one {@link CreditEntry} from one account to
 * another, so the balances always sum to zero; admins grant from {@code mint}, a task's payment
 * moves from its client to the task's escrow when it is published and from the escrow to the
 * fleet owner of the worker whose result was accepted (or to the worker itself, unpaired), or back
 * to the client on cancel, expiry or failure. Changes run on the core's thread, in the same batch
 * as the job change that causes them, so a crash can never leave one without the other; balances
 * are rebuilt from the entries at start. Reads are thread-safe.
 */
public final class Credits implements TaskPayments {

  public static final String MINT = "mint";
  /** A grant's largest amount; balances stay far from overflow. */
  public static final long MAX_GRANT = 1_000_000_000_000L;

  private final StateStore store;
  private final Journal journal;
  private final Clock clock;
  private final Function<String, Optional<String>> ownerOfWorker;
  private final Map<String, Long> balances = new ConcurrentHashMap<>();
  /** Escrow account to the client that paid into it, while it holds something. */
  private final Map<String, String> payers = new ConcurrentHashMap<>();
  private long nextSeq;
  private static final Journal.Entry<Void> NOTHING = new Journal.Entry<>(null, List.of(), List.of());

  /**
   * Rebuilds the balances from {@code store}; grants and reconciliation go through {@code
   * journal}. {@code ownerOfWorker} finds the fleet owner a worker is paired with.
   */
  public Credits(StateStore store, Journal journal, Clock clock, Function<String, Optional<String>> ownerOfWorker) {
    this.store = store;
    this.journal = journal;
    this.clock = clock;
    this.ownerOfWorker = ownerOfWorker;
    balances.putAll(store.creditBalances());
    nextSeq = store.lastCreditSeq() + 1;
    balances.forEach((account, balance) -> {
      if (account.startsWith("escrow:") && balance > 0) {
        store.credits(account, 0, 1).stream().findFirst().ifPresent(hold -> payers.put(account, hold.from()));
      }
    });
  }

  public static String client(String principal) {
    return "client:" + principal;
  }

  static String escrow(String jobId, String taskId) {
    return "escrow:" + jobId + "." + taskId;
  }

  /** An account's balance (0 for one that never moved). */
  public long balance(String account) {
    return balances.getOrDefault(account, 0L);
  }

  /** What {@code principal}'s tasks hold in escrow now. */
  public long held(String principal) {
    String account = client(principal);
    long sum = 0;
    for (Map.Entry<String, String> e : payers.entrySet()) {
      if (e.getValue().equals(account)) {
        sum += balance(e.getKey());
      }
    }
    return sum;
  }

  /** Entries touching {@code account} ("" for all) after {@code afterSeq}, oldest first. */
  public List<CreditEntry> entries(String account, long afterSeq, int limit) {
    return store.credits(account, afterSeq, limit);
  }

  /** The sum of every balance: zero, always, or the books are broken. */
  public synchronized long total() {
    long sum = 0;
    for (long b : balances.values()) {
      sum += b;
    }
    return sum;
  }

  /** An admin grants {@code amount} credits to client {@code principal}. */
  public CompletableFuture<CreditEntry> grant(String principal, long amount, Actor by) {
    if (amount < 1 || amount > MAX_GRANT) {
      throw new IllegalArgumentException("amount must be 1.." + MAX_GRANT);
    }
    return journal.record(() -> {
      List<StoreWrite> writes = new ArrayList<>();
      List<EventRecord> events = new ArrayList<>();
      CreditEntry e = move(MINT, client(principal), amount, "grant", "", "", by.key(), principal, writes, events);
      return new Journal.Entry<>(e, writes, events);
    });
  }

  @Override
  public Journal.Entry<Void> hold(String payer, String jobId, String taskId, long amount, String actorKey) {
    String from = client(payer);
    long available = balance(from);
    if (available < amount) {
      throw new InsufficientCredits("the task's payment is " + amount + " credits; " + payer + " has " + available);
    }
    List<StoreWrite> writes = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    String escrow = escrow(jobId, taskId);
    move(from, escrow, amount, "hold", jobId, taskId, actorKey, payer, writes, events);
    payers.put(escrow, from);
    return new Journal.Entry<>(null, writes, events);
  }

  @Override
  public Journal.Entry<Void> settle(String jobId, String taskId, TaskState to, String resultPeer, String actorKey) {
    if (payers.isEmpty()) {
      // The common case, on every task's end: nothing held anywhere.
      return NOTHING;
    }
    String escrow = escrow(jobId, taskId);
    long held = balance(escrow);
    String payer = payers.get(escrow);
    if (held <= 0 || payer == null || !to.isTerminal()) {
      return new Journal.Entry<>(null, List.of(), List.of());
    }
    List<StoreWrite> writes = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    if (to == TaskState.SUCCEEDED && resultPeer != null && !resultPeer.isEmpty()) {
      Optional<String> owner = ownerOfWorker.apply(resultPeer);
      String payee = owner.map(o -> "fleet:" + o).orElse("worker:" + resultPeer);
      move(escrow, payee, held, "pay", jobId, taskId, actorKey, owner.orElse(resultPeer), writes, events);
    } else {
      move(escrow, payer, held, "refund", jobId, taskId, actorKey, payer.substring("client:".length()), writes, events);
    }
    payers.remove(escrow);
    return new Journal.Entry<>(null, writes, events);
  }

  /**
   * Settles escrows whose task ended without its settlement being committed (none should exist:
   * both go in one batch; a batch split by the group committer's size cap is the one way). Run
   * once at start, after the core recovered.
   */
  public CompletableFuture<Integer> reconcile() {
    List<String> open = new ArrayList<>(payers.keySet());
    List<TaskRecord> ended = new ArrayList<>();
    for (String escrow : open) {
      String task = escrow.substring("escrow:".length());
      int dot = task.indexOf('.');
      store.task(task.substring(0, dot), task.substring(dot + 1)).filter(t -> t.state().isTerminal()).ifPresent(ended::add);
    }
    return journal.record(() -> {
      List<StoreWrite> writes = new ArrayList<>();
      List<EventRecord> events = new ArrayList<>();
      for (TaskRecord t : ended) {
        Journal.Entry<Void> e = settle(t.jobId(), t.taskId(), t.state(), t.resultPeer(), "");
        writes.addAll(e.writes());
        events.addAll(e.events());
      }
      return new Journal.Entry<>(ended.size(), writes, events);
    });
  }

  private CreditEntry move(
      String from, String to, long amount, String reason, String jobId, String taskId, String actorKey, String principal,
      List<StoreWrite> writes, List<EventRecord> events) {
    CreditEntry e = new CreditEntry(nextSeq++, clock.millis(), from, to, amount, reason, jobId, taskId, actorKey);
    // Both sides under one lock, so total() never sees half an entry.
    synchronized (this) {
      balances.merge(from, -amount, Long::sum);
      balances.merge(to, amount, Long::sum);
    }
    writes.add(new StoreWrite.AppendCredit(e));
    events.add(new EventRecord(
        0, 0, EventTypes.CREDITS_MOVED, "credits", jobId, taskId, 0, "", from, to, reason + " " + amount, "", principal, actorKey));
    return e;
  }
}
