package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.store.AttemptRecord;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.JobRecord;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.store.TaskRecord;
import dev.shoal.protocol.LedgerEntry;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A store whose close does nothing, so one backend can outlive a simulated crash. */
final class ForwardingStore implements StateStore {
  private final StateStore delegate;

  ForwardingStore(StateStore delegate) {
    this.delegate = delegate;
  }

  @Override public void apply(List<StoreWrite> batch) { delegate.apply(batch); }
  @Override public Optional<JobRecord> job(String jobId) { return delegate.job(jobId); }
  @Override public List<JobRecord> unfinishedJobs() { return delegate.unfinishedJobs(); }
  @Override public List<JobRecord> recentJobs(int limit) { return delegate.recentJobs(limit); }
  @Override public List<TaskRecord> tasks(String jobId) { return delegate.tasks(jobId); }
  @Override public Optional<TaskRecord> task(String jobId, String taskId) { return delegate.task(jobId, taskId); }
  @Override public List<AttemptRecord> attempts(String jobId) { return delegate.attempts(jobId); }
  @Override public List<AttemptRecord> attempts(String jobId, String taskId) { return delegate.attempts(jobId, taskId); }
  @Override public List<EventRecord> events(long afterSeq, int limit) { return delegate.events(afterSeq, limit); }
  @Override public long firstEventSeq() { return delegate.firstEventSeq(); }
  @Override public List<dev.shoal.orchestrator.internal.store.PrincipalRecord> principals() { return delegate.principals(); }
  @Override public List<dev.shoal.orchestrator.internal.store.DelegationRecord> delegations() { return delegate.delegations(); }
  @Override public List<dev.shoal.orchestrator.internal.store.PairingRecord> pairings() { return delegate.pairings(); }
  @Override public List<dev.shoal.orchestrator.internal.store.ServiceRecord> services() { return delegate.services(); }
  @Override public List<dev.shoal.orchestrator.internal.store.RegistrationRecord> registrations() { return delegate.registrations(); }
  @Override public List<dev.shoal.orchestrator.internal.store.CreditEntry> credits(String account, long afterSeq, int limit) { return delegate.credits(account, afterSeq, limit); }
  @Override public List<String> workersLeftConnected() { return delegate.workersLeftConnected(); }
  @Override public java.util.Map<String, Long> creditBalances() { return delegate.creditBalances(); }
  @Override public long lastCreditSeq() { return delegate.lastCreditSeq(); }
  @Override public long lastEventSeq() { return delegate.lastEventSeq(); }
  @Override public List<LedgerEntry> ledger(long afterSeq, int limit) { return delegate.ledger(afterSeq, limit); }
  @Override public List<LedgerEntry> ledgerOf(String subject, long afterSeq, int limit) { return delegate.ledgerOf(subject, afterSeq, limit); }
  @Override public Optional<LedgerEntry> lastLedgerEntry() { return delegate.lastLedgerEntry(); }
  @Override public Set<String> trustedPeers() { return delegate.trustedPeers(); }
  @Override public String describe() { return delegate.describe(); }
  @Override public void close() {}
}
