package dev.shoal.orchestrator.internal.store;

import dev.shoal.protocol.LedgerEntry;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import java.util.List;

/** One change to durable state. Batches of them are applied atomically, in order. */
public sealed interface StoreWrite {

  /** A new job and all its tasks. */
  record PutJob(JobRecord job, List<TaskRecord> tasks) implements StoreWrite {}

  record SetJobState(String jobId, JobState state, long finishedAt, String error) implements StoreWrite {}

  /**
   * New task state; {@code result}, {@code resultPeer} and {@code acceptance} are null unless it
   * just succeeded.
   */
  record SetTaskState(
      String jobId,
      String taskId,
      TaskState state,
      int retriesUsed,
      int attemptCount,
      String error,
      byte[] result,
      String resultPeer,
      long updatedAt,
      String acceptance)
      implements StoreWrite {}

  /** Inserts or replaces an attempt. */
  record PutAttempt(AttemptRecord attempt) implements StoreWrite {}

  record AppendEvent(EventRecord event) implements StoreWrite {}

  /** The next reputation ledger entry, already placed in the chain. */
  record AppendLedger(LedgerEntry entry) implements StoreWrite {}

  /**
   * Forgets jobs that finished before {@code finishedBefore} (epoch ms), with their tasks,
   * attempts and results: a result's retention has ended. Events and the ledger stay.
   */
  record PurgeFinished(long finishedBefore) implements StoreWrite {}

  /** A new client or fleet owner. */
  record PutPrincipal(PrincipalRecord principal) implements StoreWrite {}

  /** A delegation granted, replaced or revoked (revoked ones stay, for the audit trail). */
  record PutDelegation(DelegationRecord delegation) implements StoreWrite {}

  /** A pairing made or ended (ended ones stay, for the audit trail; the newest per worker counts). */
  record PutPairing(PairingRecord pairing) implements StoreWrite {}

  /** A service created or changed (a retired one stays, retired). */
  record PutService(ServiceRecord service) implements StoreWrite {}

  /** A worker registered to a service, or that registration ended. */
  record PutRegistration(RegistrationRecord registration) implements StoreWrite {}

  /** The next credit movement, already numbered. */
  record AppendCredit(CreditEntry entry) implements StoreWrite {}

  /** An admin registered ({@code trusted}) or removed a trusted worker. */
  record SetTrusted(String peerId, boolean trusted, long at) implements StoreWrite {}
}
