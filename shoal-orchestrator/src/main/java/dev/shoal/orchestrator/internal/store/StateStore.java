package dev.shoal.orchestrator.internal.store;

import dev.shoal.protocol.LedgerEntry;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Durable state of the orchestrator. One writer (the {@link GroupCommitter}) applies batches;
 * readers may call the queries from any thread. Every backend passes the same contract tests.
 */
public interface StateStore extends AutoCloseable {

  /** Applies the writes atomically and in order; durable per the backend's mode when it returns. */
  void apply(List<StoreWrite> batch);

  Optional<JobRecord> job(String jobId);

  /** Jobs not yet in a terminal state, oldest first: what a restart must resume. */
  List<JobRecord> unfinishedJobs();

  /** Most recent jobs first. */
  List<JobRecord> recentJobs(int limit);

  /** The job's tasks in index order. */
  List<TaskRecord> tasks(String jobId);

  Optional<TaskRecord> task(String jobId, String taskId);

  /** The job's attempts ordered by task index, then attempt number. */
  List<AttemptRecord> attempts(String jobId);

  List<AttemptRecord> attempts(String jobId, String taskId);

  /** Events with {@code seq > afterSeq}, oldest first, at most {@code limit}. */
  List<EventRecord> events(long afterSeq, int limit);

  /** The lowest event sequence number still stored (older ones were dropped), or 0 if none is. */
  long firstEventSeq();

  /**
   * Workers whose newest stored worker event is not their disconnection: the sessions a stop or a
   * crash cut off without saying so.
   */
  List<String> workersLeftConnected();

  /** The highest event sequence number stored, or 0. */
  long lastEventSeq();

  /** Ledger entries with {@code seq > afterSeq}, oldest first, at most {@code limit}. */
  List<LedgerEntry> ledger(long afterSeq, int limit);

  /** The same, only entries about {@code subject}. */
  List<LedgerEntry> ledgerOf(String subject, long afterSeq, int limit);

  /** The newest ledger entry: where the chain continues. */
  Optional<LedgerEntry> lastLedgerEntry();

  /** Every client and fleet owner, oldest first. */
  List<PrincipalRecord> principals();

  /** Every delegation, revoked ones included, oldest first. */
  List<DelegationRecord> delegations();

  /** Every pairing, ended ones included, oldest first. */
  List<PairingRecord> pairings();

  /** Every service, retired ones included, oldest first. */
  List<ServiceRecord> services();

  /** Every registration, ended ones included, oldest first. */
  List<RegistrationRecord> registrations();

  /** Credit entries with {@code seq > afterSeq} touching {@code account} ("" for all), oldest first. */
  List<CreditEntry> credits(String account, long afterSeq, int limit);

  /** Every account's balance, from every entry stored (accounts that never moved are absent). */
  java.util.Map<String, Long> creditBalances();

  /** The highest credit entry number stored, or 0. */
  long lastCreditSeq();

  /** Peer ids an admin registered as trusted. */
  Set<String> trustedPeers();

  /** A short description for logs ("sqlite /data/shoal.db (fsync)"). */
  String describe();

  @Override
  void close();
}
