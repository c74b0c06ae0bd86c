package dev.shoal.orchestrator.internal.store;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.LedgerEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The embedded store: one SQLite file in WAL mode. With {@code fsync} each commit reaches the
 * disk (synchronous=FULL) and survives power loss; without it commits reach the OS and survive
 * a crash of the process. Batches come from one writer, so one connection serves writes; reads
 * use their own connection so queries never wait behind a commit.
 */
public final class SqliteStore implements StateStore {

  private static final int SCHEMA_VERSION = 4;

  private final Path file;
  private final boolean fsync;
  private final Connection writer;
  private final Connection reader;
  private final PreparedStatement insertJob;
  private final PreparedStatement insertTask;
  private final PreparedStatement updateJob;
  private final PreparedStatement updateTask;
  private final PreparedStatement updateTaskWithResult;
  private final PreparedStatement upsertAttempt;
  private final PreparedStatement insertEvent;
  private final PreparedStatement insertLedger;
  private final PreparedStatement putTrusted;
  private final PreparedStatement dropTrusted;
  /** Prepared once: a paid task writes two entries. */
  private final PreparedStatement insertCredit;

  public SqliteStore(Path file, boolean fsync) {
    this.file = file;
    this.fsync = fsync;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      String url = "jdbc:sqlite:" + file.toAbsolutePath();
      writer = DriverManager.getConnection(url);
      try (Statement s = writer.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "OFF"));
        s.execute("PRAGMA busy_timeout=10000");
        migrate(s);
      }
      writer.setAutoCommit(false);
      reader = DriverManager.getConnection(url);
      try (Statement s = reader.createStatement()) {
        s.execute("PRAGMA busy_timeout=10000");
      }
      insertJob = writer.prepareStatement(
          "INSERT INTO jobs(id, kind, spec, state, created_at, finished_at, task_count, error, deadline_at, owner,"
              + " actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      insertTask = writer.prepareStatement(
          "INSERT INTO tasks(job_id, task_id, idx, descriptor, max_attempts, state, retries_used, attempt_count, error,"
              + " result, result_peer, updated_at, policy, acceptance) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      updateJob = writer.prepareStatement("UPDATE jobs SET state=?, finished_at=?, error=? WHERE id=?");
      updateTask = writer.prepareStatement(
          "UPDATE tasks SET state=?, retries_used=?, attempt_count=?, error=?, updated_at=? WHERE job_id=? AND task_id=?");
      updateTaskWithResult = writer.prepareStatement(
          "UPDATE tasks SET state=?, retries_used=?, attempt_count=?, error=?, updated_at=?, result=?, result_peer=?,"
              + " acceptance=? WHERE job_id=? AND task_id=?");
      upsertAttempt = writer.prepareStatement(
          "INSERT OR REPLACE INTO attempts(job_id, task_id, attempt, peer_id, state, dispatched_at, ended_at, detail,"
              + " result, verdict) VALUES (?,?,?,?,?,?,?,?,?,?)");
      insertEvent = writer.prepareStatement(
          "INSERT INTO events(seq, at, kind, job_id, task_id, attempt, peer_id, from_state, to_state, detail, type,"
              + " service, principal, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      insertLedger = writer.prepareStatement(
          "INSERT INTO ledger(seq, prev_hash, at, author, subject, kind, score, comment, signature)"
              + " VALUES (?,?,?,?,?,?,?,?,?)");
      putTrusted = writer.prepareStatement("INSERT OR REPLACE INTO trusted(peer_id, added_at) VALUES (?,?)");
      dropTrusted = writer.prepareStatement("DELETE FROM trusted WHERE peer_id=?");
      insertCredit = writer.prepareStatement(
          "INSERT INTO credits(seq, at, from_account, to_account, amount, reason, job_id, task_id, actor)"
              + " VALUES (?,?,?,?,?,?,?,?,?)");
    } catch (SQLException | java.io.IOException e) {
      throw new StoreException("cannot open store " + file + ": " + e.getMessage(), e);
    }
  }

  private static void migrate(Statement s) throws SQLException {
    int version;
    try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      version = rs.getInt(1);
    }
    if (version > SCHEMA_VERSION) {
      throw new SQLException(
          "store schema version " + version + " is newer than this build's " + SCHEMA_VERSION + "; upgrade Shoal");
    }
    if (version == SCHEMA_VERSION) {
      return;
    }
    // SQLite's DDL is transactional: a crash mid-migration leaves the old version intact.
    s.execute("BEGIN IMMEDIATE");
    try {
      if (version == 0) {
        createVersion1(s);
      }
      if (version < 2) {
        migrateToVersion2(s);
      }
      if (version < 3) {
        migrateToVersion3(s);
      }
      // 4: principals and their delegates; a job's owner and the key that published it.
      s.execute(
          "CREATE TABLE principals(id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
              + " public_key BLOB NOT NULL, created_at INTEGER NOT NULL, actor TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE delegations(principal TEXT NOT NULL, delegate TEXT NOT NULL, scopes TEXT NOT NULL,"
              + " expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL,"
              + " actor TEXT NOT NULL, PRIMARY KEY(principal, delegate))");
      s.execute(
          "CREATE TABLE pairings(worker TEXT NOT NULL, owner TEXT NOT NULL, worker_signed_at INTEGER NOT NULL,"
              + " owner_signed_at INTEGER NOT NULL, owner_signature BLOB NOT NULL, created_at INTEGER NOT NULL,"
              + " ended_at INTEGER NOT NULL, ended_by TEXT NOT NULL, actor TEXT NOT NULL, PRIMARY KEY(worker, created_at))");
      s.execute(
          "CREATE TABLE services(id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, operator TEXT NOT NULL,"
              + " config TEXT NOT NULL, hardware TEXT NOT NULL, acceptance TEXT NOT NULL, min_payment INTEGER NOT NULL,"
              + " max_payment INTEGER NOT NULL, max_lifetime_ms INTEGER NOT NULL, external INTEGER NOT NULL,"
              + " retired INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, actor TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE registrations(service TEXT NOT NULL, worker TEXT NOT NULL, registered_at INTEGER NOT NULL,"
              + " ended_at INTEGER NOT NULL, by_principal TEXT NOT NULL, actor TEXT NOT NULL,"
              + " PRIMARY KEY(service, worker, registered_at))");
      s.execute(
          "CREATE TABLE credits(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, from_account TEXT NOT NULL,"
              + " to_account TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), reason TEXT NOT NULL,"
              + " job_id TEXT NOT NULL, task_id TEXT NOT NULL, actor TEXT NOT NULL)");
      s.execute("CREATE INDEX credits_from ON credits(from_account, seq)");
      s.execute("CREATE INDEX credits_to ON credits(to_account, seq)");
      s.execute("CREATE INDEX events_worker ON events(peer_id, seq) WHERE kind = 'worker'");
      s.execute("ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
      s.execute("ALTER TABLE jobs ADD COLUMN actor TEXT NOT NULL DEFAULT ''");
      s.execute("PRAGMA user_version=" + SCHEMA_VERSION);
      s.execute("COMMIT");
    } catch (SQLException e) {
      s.execute("ROLLBACK");
      throw e;
    }
  }

  /** Version 2 to 3: the event feed names each event's type, and whom and which key it was for. */
  private static void migrateToVersion3(Statement s) throws SQLException {
    s.execute("ALTER TABLE events ADD COLUMN type TEXT NOT NULL DEFAULT ''");
    s.execute("ALTER TABLE events ADD COLUMN service TEXT NOT NULL DEFAULT ''");
    s.execute("ALTER TABLE events ADD COLUMN principal TEXT NOT NULL DEFAULT ''");
    s.execute("ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT ''");
    s.execute(
        "UPDATE events SET type = CASE"
            + " WHEN kind = 'job' AND from_state = '' THEN 'job.published'"
            + " WHEN kind = 'job' THEN 'job.status_changed'"
            + " WHEN kind = 'task' THEN 'task.status_changed'"
            + " WHEN kind = 'attempt' AND to_state = 'DISPATCHED' THEN 'task.assigned'"
            + " WHEN kind = 'attempt' AND to_state = 'COMPLETED' THEN 'result.submitted'"
            + " WHEN kind = 'attempt' THEN 'attempt.status_changed'"
            + " WHEN kind = 'worker' AND to_state = 'connected' THEN 'worker.connected'"
            + " WHEN kind = 'worker' AND to_state = 'gone' THEN 'worker.disconnected'"
            + " WHEN kind = 'worker' THEN 'worker.status_changed'"
            + " ELSE 'worker.judged' END");
  }

  /** Version 1 to 2, kept so older data directories migrate. */
  private static void migrateToVersion2(Statement s) throws SQLException {
    // Acceptance policies and validation keep results per attempt and the acceptance record.
    s.execute("ALTER TABLE tasks ADD COLUMN policy TEXT NOT NULL DEFAULT 'first_valid'");
    s.execute("ALTER TABLE tasks ADD COLUMN acceptance TEXT");
    s.execute("ALTER TABLE attempts ADD COLUMN result BLOB");
    s.execute("ALTER TABLE attempts ADD COLUMN verdict TEXT");
    // The reputation ledger (append-only, hash-chained) and the admin's trusted workers.
    s.execute(
        "CREATE TABLE ledger(seq INTEGER PRIMARY KEY, prev_hash BLOB NOT NULL, at INTEGER NOT NULL,"
            + " author BLOB NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL, score REAL NOT NULL,"
            + " comment TEXT NOT NULL, signature BLOB NOT NULL)");
    s.execute("CREATE INDEX ledger_subject ON ledger(subject, seq)");
    s.execute("CREATE TABLE trusted(peer_id TEXT PRIMARY KEY, added_at INTEGER NOT NULL)");
  }

  /** The first schema, kept so older data directories migrate (and tests can make one). */
  static void createVersion1(Statement s) throws SQLException {
    s.execute(
        "CREATE TABLE jobs(id TEXT PRIMARY KEY, kind TEXT NOT NULL, spec BLOB, state TEXT NOT NULL,"
            + " created_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, task_count INTEGER NOT NULL, error TEXT,"
            + " deadline_at INTEGER NOT NULL DEFAULT 0)");
    s.execute("CREATE INDEX jobs_unfinished ON jobs(state) WHERE state = 'RUNNING'");
    s.execute(
        "CREATE TABLE tasks(job_id TEXT NOT NULL, task_id TEXT NOT NULL, idx INTEGER NOT NULL, descriptor BLOB NOT NULL,"
            + " max_attempts INTEGER NOT NULL, state TEXT NOT NULL, retries_used INTEGER NOT NULL,"
            + " attempt_count INTEGER NOT NULL, error TEXT, result BLOB, result_peer TEXT, updated_at INTEGER NOT NULL,"
            + " PRIMARY KEY(job_id, task_id))");
    s.execute(
        "CREATE TABLE attempts(job_id TEXT NOT NULL, task_id TEXT NOT NULL, attempt INTEGER NOT NULL, peer_id TEXT,"
            + " state TEXT NOT NULL, dispatched_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, detail TEXT,"
            + " PRIMARY KEY(job_id, task_id, attempt))");
    s.execute(
        "CREATE TABLE events(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, job_id TEXT,"
            + " task_id TEXT, attempt INTEGER, peer_id TEXT, from_state TEXT, to_state TEXT, detail TEXT)");
  }

  private void purge(long finishedBefore) throws SQLException {
    String finished = "SELECT id FROM jobs WHERE state <> 'RUNNING' AND finished_at > 0 AND finished_at < ?";
    for (String sql :
        new String[] {
          "DELETE FROM attempts WHERE job_id IN (" + finished + ")",
          "DELETE FROM tasks WHERE job_id IN (" + finished + ")",
          "DELETE FROM jobs WHERE id IN (" + finished + ")"
        }) {
      try (PreparedStatement st = writer.prepareStatement(sql)) {
        st.setLong(1, finishedBefore);
        st.executeUpdate();
      }
    }
  }

  @Override
  public synchronized void apply(List<StoreWrite> batch) {
    try {
      boolean job = false, task = false, taskResult = false, attempt = false, event = false, jobState = false;
      for (StoreWrite w : batch) {
        switch (w) {
          case StoreWrite.PutJob p -> {
            // Inserts go out at once: later writes in the batch may update these rows.
            flush(job, task, taskResult, attempt, event, jobState);
            job = task = taskResult = attempt = event = jobState = false;
            JobRecord j = p.job();
            insertJob.setString(1, j.id());
            insertJob.setString(2, j.kind());
            insertJob.setBytes(3, j.spec());
            insertJob.setString(4, j.state().name());
            insertJob.setLong(5, j.createdAt());
            insertJob.setLong(6, j.finishedAt());
            insertJob.setInt(7, j.taskCount());
            insertJob.setString(8, j.error());
            insertJob.setLong(9, j.deadlineAt());
            insertJob.setString(10, j.owner());
            insertJob.setString(11, j.actor());
            insertJob.executeUpdate();
            for (TaskRecord t : p.tasks()) {
              insertTask.setString(1, t.jobId());
              insertTask.setString(2, t.taskId());
              insertTask.setInt(3, t.index());
              insertTask.setBytes(4, t.descriptor());
              insertTask.setInt(5, t.maxAttempts());
              insertTask.setString(6, t.state().name());
              insertTask.setInt(7, t.retriesUsed());
              insertTask.setInt(8, t.attemptCount());
              insertTask.setString(9, t.error());
              insertTask.setBytes(10, t.result());
              insertTask.setString(11, t.resultPeer());
              insertTask.setLong(12, t.updatedAt());
              insertTask.setString(13, t.policy());
              insertTask.setString(14, t.acceptance());
              insertTask.addBatch();
            }
            insertTask.executeBatch();
          }
          case StoreWrite.PurgeFinished p -> {
            flush(job, task, taskResult, attempt, event, jobState);
            job = task = taskResult = attempt = event = jobState = false;
            purge(p.finishedBefore());
          }
          case StoreWrite.SetJobState s -> {
            // Rows are updated in batch order per statement; a job's state never races its tasks'.
            updateJob.setString(1, s.state().name());
            updateJob.setLong(2, s.finishedAt());
            updateJob.setString(3, s.error());
            updateJob.setString(4, s.jobId());
            updateJob.addBatch();
            jobState = true;
          }
          case StoreWrite.SetTaskState s -> {
            PreparedStatement stmt = s.result() != null ? updateTaskWithResult : updateTask;
            // Updates of one row must land in batch order, so switching statements flushes the other.
            if (stmt == updateTask && taskResult) {
              requireRows(updateTaskWithResult.executeBatch(), "task");
              taskResult = false;
            } else if (stmt == updateTaskWithResult && task) {
              requireRows(updateTask.executeBatch(), "task");
              task = false;
            }
            stmt.setString(1, s.state().name());
            stmt.setInt(2, s.retriesUsed());
            stmt.setInt(3, s.attemptCount());
            stmt.setString(4, s.error());
            stmt.setLong(5, s.updatedAt());
            if (s.result() != null) {
              stmt.setBytes(6, s.result());
              stmt.setString(7, s.resultPeer());
              stmt.setString(8, s.acceptance());
              stmt.setString(9, s.jobId());
              stmt.setString(10, s.taskId());
              taskResult = true;
            } else {
              stmt.setString(6, s.jobId());
              stmt.setString(7, s.taskId());
              task = true;
            }
            stmt.addBatch();
          }
          case StoreWrite.PutAttempt p -> {
            AttemptRecord a = p.attempt();
            upsertAttempt.setString(1, a.jobId());
            upsertAttempt.setString(2, a.taskId());
            upsertAttempt.setInt(3, a.attempt());
            upsertAttempt.setString(4, a.peerId());
            upsertAttempt.setString(5, a.state().name());
            upsertAttempt.setLong(6, a.dispatchedAt());
            upsertAttempt.setLong(7, a.endedAt());
            upsertAttempt.setString(8, a.detail());
            upsertAttempt.setBytes(9, a.result());
            upsertAttempt.setString(10, a.verdict());
            upsertAttempt.addBatch();
            attempt = true;
          }
          case StoreWrite.AppendLedger l -> {
            // Rare (a judgement, a rating): written at once, in order with the rest of the batch.
            LedgerEntry e = l.entry();
            insertLedger.setLong(1, e.seq());
            insertLedger.setBytes(2, e.prevHash());
            insertLedger.setLong(3, e.at());
            insertLedger.setBytes(4, e.author());
            insertLedger.setString(5, e.subject());
            insertLedger.setString(6, e.kind());
            insertLedger.setDouble(7, e.score());
            insertLedger.setString(8, e.comment());
            insertLedger.setBytes(9, e.signature());
            insertLedger.executeUpdate();
          }
          case StoreWrite.PutPrincipal p -> {
            PrincipalRecord r = p.principal();
            try (PreparedStatement st = writer.prepareStatement(
                "INSERT INTO principals(id, kind, name, public_key, created_at, actor) VALUES (?,?,?,?,?,?)")) {
              st.setString(1, r.id());
              st.setString(2, r.kind());
              st.setString(3, r.name());
              st.setBytes(4, r.publicKey());
              st.setLong(5, r.createdAt());
              st.setString(6, r.actor());
              st.executeUpdate();
            }
          }
          case StoreWrite.PutDelegation d -> {
            DelegationRecord r = d.delegation();
            try (PreparedStatement st = writer.prepareStatement(
                "INSERT OR REPLACE INTO delegations(principal, delegate, scopes, expires_at, created_at, revoked_at, actor)"
                    + " VALUES (?,?,?,?,?,?,?)")) {
              st.setString(1, r.principal());
              st.setString(2, r.delegate());
              st.setString(3, String.join(",", r.scopes()));
              st.setLong(4, r.expiresAt());
              st.setLong(5, r.createdAt());
              st.setLong(6, r.revokedAt());
              st.setString(7, r.actor());
              st.executeUpdate();
            }
          }
          case StoreWrite.PutPairing p -> {
            PairingRecord r = p.pairing();
            try (PreparedStatement st = writer.prepareStatement(
                "INSERT OR REPLACE INTO pairings(worker, owner, worker_signed_at, owner_signed_at, owner_signature,"
                    + " created_at, ended_at, ended_by, actor) VALUES (?,?,?,?,?,?,?,?,?)")) {
              st.setString(1, r.worker());
              st.setString(2, r.owner());
              st.setLong(3, r.workerSignedAt());
              st.setLong(4, r.ownerSignedAt());
              st.setBytes(5, r.ownerSignature());
              st.setLong(6, r.createdAt());
              st.setLong(7, r.endedAt());
              st.setString(8, r.endedBy());
              st.setString(9, r.actor());
              st.executeUpdate();
            }
          }
          case StoreWrite.AppendCredit c -> {
            CreditEntry e = c.entry();
            insertCredit.setLong(1, e.seq());
            insertCredit.setLong(2, e.at());
            insertCredit.setString(3, e.from());
            insertCredit.setString(4, e.to());
            insertCredit.setLong(5, e.amount());
            insertCredit.setString(6, e.reason());
            insertCredit.setString(7, e.jobId());
            insertCredit.setString(8, e.taskId());
            insertCredit.setString(9, e.actor());
            insertCredit.executeUpdate();
          }
          case StoreWrite.PutService p -> {
            ServiceRecord r = p.service();
            try (PreparedStatement st = writer.prepareStatement(
                "INSERT OR REPLACE INTO services(id, owner, name, operator, config, hardware, acceptance, min_payment,"
                    + " max_payment, max_lifetime_ms, external, retired, created_at, updated_at, actor)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
              st.setString(1, r.id());
              st.setString(2, r.owner());
              st.setString(3, r.name());
              st.setString(4, r.operator());
              st.setString(5, r.config());
              st.setString(6, r.hardware());
              st.setString(7, r.acceptance());
              st.setLong(8, r.minPayment());
              st.setLong(9, r.maxPayment());
              st.setLong(10, r.maxLifetimeMillis());
              st.setInt(11, r.externallyScheduled() ? 1 : 0);
              st.setInt(12, r.retired() ? 1 : 0);
              st.setLong(13, r.createdAt());
              st.setLong(14, r.updatedAt());
              st.setString(15, r.actor());
              st.executeUpdate();
            }
          }
          case StoreWrite.PutRegistration p -> {
            RegistrationRecord r = p.registration();
            try (PreparedStatement st = writer.prepareStatement(
                "INSERT OR REPLACE INTO registrations(service, worker, registered_at, ended_at, by_principal, actor)"
                    + " VALUES (?,?,?,?,?,?)")) {
              st.setString(1, r.service());
              st.setString(2, r.worker());
              st.setLong(3, r.registeredAt());
              st.setLong(4, r.endedAt());
              st.setString(5, r.by());
              st.setString(6, r.actor());
              st.executeUpdate();
            }
          }
          case StoreWrite.SetTrusted t -> {
            if (t.trusted()) {
              putTrusted.setString(1, t.peerId());
              putTrusted.setLong(2, t.at());
              putTrusted.executeUpdate();
            } else {
              dropTrusted.setString(1, t.peerId());
              dropTrusted.executeUpdate();
            }
          }
          case StoreWrite.AppendEvent e -> {
            EventRecord v = e.event();
            insertEvent.setLong(1, v.seq());
            insertEvent.setLong(2, v.at());
            insertEvent.setString(3, v.kind());
            insertEvent.setString(4, v.jobId());
            insertEvent.setString(5, v.taskId());
            insertEvent.setInt(6, v.attempt());
            insertEvent.setString(7, v.peerId());
            insertEvent.setString(8, v.from());
            insertEvent.setString(9, v.to());
            insertEvent.setString(10, v.detail());
            insertEvent.setString(11, v.type());
            insertEvent.setString(12, v.service());
            insertEvent.setString(13, v.principal());
            insertEvent.setString(14, v.actor());
            insertEvent.addBatch();
            event = true;
          }
        }
      }
      flush(job, task, taskResult, attempt, event, jobState);
      writer.commit();
    } catch (SQLException e) {
      try {
        writer.rollback();
        clearBatches();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw new StoreException("store write failed: " + e.getMessage(), e);
    }
  }

  private void flush(boolean job, boolean task, boolean taskResult, boolean attempt, boolean event, boolean jobState)
      throws SQLException {
    if (task) {
      requireRows(updateTask.executeBatch(), "task");
    }
    if (taskResult) {
      requireRows(updateTaskWithResult.executeBatch(), "task");
    }
    if (attempt) {
      upsertAttempt.executeBatch();
    }
    if (event) {
      insertEvent.executeBatch();
    }
    if (jobState) {
      requireRows(updateJob.executeBatch(), "job");
    }
  }

  /** An update that matched no row names something that does not exist: refuse the batch. */
  private static void requireRows(int[] counts, String what) throws SQLException {
    for (int c : counts) {
      if (c == 0) {
        throw new SQLException("update of a " + what + " that does not exist");
      }
    }
  }

  private void clearBatches() throws SQLException {
    for (PreparedStatement p :
        List.of(insertTask, updateJob, updateTask, updateTaskWithResult, upsertAttempt, insertEvent, insertLedger)) {
      p.clearBatch();
    }
  }

  @Override
  public Optional<JobRecord> job(String jobId) {
    return queryJobs("SELECT * FROM jobs WHERE id=?", jobId).stream().findFirst();
  }

  @Override
  public List<JobRecord> unfinishedJobs() {
    return queryJobs("SELECT * FROM jobs WHERE state='RUNNING' ORDER BY created_at, id");
  }

  @Override
  public List<JobRecord> recentJobs(int limit) {
    return queryJobs("SELECT * FROM jobs ORDER BY created_at DESC, id DESC LIMIT " + Math.max(0, limit));
  }

  private List<JobRecord> queryJobs(String sql, Object... args) {
    return query(
        sql,
        rs ->
            new JobRecord(
                rs.getString("id"),
                rs.getString("kind"),
                rs.getBytes("spec"),
                JobState.valueOf(rs.getString("state")),
                rs.getLong("created_at"),
                rs.getLong("finished_at"),
                rs.getInt("task_count"),
                rs.getString("error"),
                rs.getLong("deadline_at"),
                rs.getString("owner"),
                rs.getString("actor")),
        args);
  }

  @Override
  public List<TaskRecord> tasks(String jobId) {
    return queryTasks("SELECT * FROM tasks WHERE job_id=? ORDER BY idx", jobId);
  }

  @Override
  public Optional<TaskRecord> task(String jobId, String taskId) {
    return queryTasks("SELECT * FROM tasks WHERE job_id=? AND task_id=?", jobId, taskId).stream().findFirst();
  }

  private List<TaskRecord> queryTasks(String sql, Object... args) {
    return query(
        sql,
        rs ->
            new TaskRecord(
                rs.getString("job_id"),
                rs.getString("task_id"),
                rs.getInt("idx"),
                rs.getBytes("descriptor"),
                rs.getInt("max_attempts"),
                TaskState.valueOf(rs.getString("state")),
                rs.getInt("retries_used"),
                rs.getInt("attempt_count"),
                rs.getString("error"),
                rs.getBytes("result"),
                rs.getString("result_peer"),
                rs.getLong("updated_at"),
                rs.getString("policy"),
                rs.getString("acceptance")),
        args);
  }

  @Override
  public List<AttemptRecord> attempts(String jobId) {
    return queryAttempts(
        "SELECT a.* FROM attempts a JOIN tasks t ON t.job_id=a.job_id AND t.task_id=a.task_id"
            + " WHERE a.job_id=? ORDER BY t.idx, a.attempt",
        jobId);
  }

  @Override
  public List<AttemptRecord> attempts(String jobId, String taskId) {
    return queryAttempts("SELECT * FROM attempts WHERE job_id=? AND task_id=? ORDER BY attempt", jobId, taskId);
  }

  private List<AttemptRecord> queryAttempts(String sql, Object... args) {
    return query(
        sql,
        rs ->
            new AttemptRecord(
                rs.getString("job_id"),
                rs.getString("task_id"),
                rs.getInt("attempt"),
                rs.getString("peer_id"),
                AttemptState.valueOf(rs.getString("state")),
                rs.getLong("dispatched_at"),
                rs.getLong("ended_at"),
                rs.getString("detail"),
                rs.getBytes("result"),
                rs.getString("verdict")),
        args);
  }

  @Override
  public List<EventRecord> events(long afterSeq, int limit) {
    return query(
        "SELECT * FROM events WHERE seq>? ORDER BY seq LIMIT " + Math.max(0, limit),
        rs ->
            new EventRecord(
                rs.getLong("seq"),
                rs.getLong("at"),
                rs.getString("type"),
                rs.getString("kind"),
                rs.getString("job_id"),
                rs.getString("task_id"),
                rs.getInt("attempt"),
                rs.getString("peer_id"),
                rs.getString("from_state"),
                rs.getString("to_state"),
                rs.getString("detail"),
                rs.getString("service"),
                rs.getString("principal"),
                rs.getString("actor")),
        afterSeq);
  }

  @Override
  public List<LedgerEntry> ledger(long afterSeq, int limit) {
    return query("SELECT * FROM ledger WHERE seq>? ORDER BY seq LIMIT " + Math.max(0, limit), SqliteStore::ledgerEntry, afterSeq);
  }

  @Override
  public List<LedgerEntry> ledgerOf(String subject, long afterSeq, int limit) {
    return query(
        "SELECT * FROM ledger WHERE subject=? AND seq>? ORDER BY seq LIMIT " + Math.max(0, limit),
        SqliteStore::ledgerEntry,
        subject,
        afterSeq);
  }

  @Override
  public Optional<LedgerEntry> lastLedgerEntry() {
    return query("SELECT * FROM ledger ORDER BY seq DESC LIMIT 1", SqliteStore::ledgerEntry).stream().findFirst();
  }

  private static LedgerEntry ledgerEntry(ResultSet rs) throws SQLException {
    return new LedgerEntry(
        rs.getLong("seq"),
        rs.getBytes("prev_hash"),
        rs.getLong("at"),
        rs.getBytes("author"),
        rs.getString("subject"),
        rs.getString("kind"),
        rs.getDouble("score"),
        rs.getString("comment"),
        rs.getBytes("signature"));
  }

  @Override
  public List<PrincipalRecord> principals() {
    return query(
        "SELECT * FROM principals ORDER BY created_at, id",
        rs -> new PrincipalRecord(
            rs.getString("id"), rs.getString("kind"), rs.getString("name"), rs.getBytes("public_key"),
            rs.getLong("created_at"), rs.getString("actor")));
  }

  @Override
  public List<DelegationRecord> delegations() {
    return query(
        "SELECT * FROM delegations ORDER BY created_at, principal, delegate",
        rs -> new DelegationRecord(
            rs.getString("principal"), rs.getString("delegate"),
            rs.getString("scopes").isEmpty() ? List.of() : List.of(rs.getString("scopes").split(",")),
            rs.getLong("expires_at"), rs.getLong("created_at"), rs.getLong("revoked_at"), rs.getString("actor")));
  }

  @Override
  public List<PairingRecord> pairings() {
    return query(
        "SELECT * FROM pairings ORDER BY created_at, worker",
        rs -> new PairingRecord(
            rs.getString("worker"), rs.getString("owner"), rs.getLong("worker_signed_at"), rs.getLong("owner_signed_at"),
            rs.getBytes("owner_signature"), rs.getLong("created_at"), rs.getLong("ended_at"), rs.getString("ended_by"),
            rs.getString("actor")));
  }

  @Override
  public List<CreditEntry> credits(String account, long afterSeq, int limit) {
    Row<CreditEntry> row =
        rs -> new CreditEntry(
            rs.getLong("seq"), rs.getLong("at"), rs.getString("from_account"), rs.getString("to_account"),
            rs.getLong("amount"), rs.getString("reason"), rs.getString("job_id"), rs.getString("task_id"), rs.getString("actor"));
    return account.isEmpty()
        ? query("SELECT * FROM credits WHERE seq>? ORDER BY seq LIMIT " + Math.max(0, limit), row, afterSeq)
        : query(
            "SELECT * FROM credits WHERE seq>? AND (from_account=? OR to_account=?) ORDER BY seq LIMIT " + Math.max(0, limit),
            row, afterSeq, account, account);
  }

  @Override
  public java.util.Map<String, Long> creditBalances() {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    for (Object[] r : query(
        "SELECT account, SUM(delta) AS balance FROM (SELECT to_account AS account, amount AS delta FROM credits"
            + " UNION ALL SELECT from_account, -amount FROM credits) GROUP BY account",
        rs -> new Object[] {rs.getString("account"), rs.getLong("balance")})) {
      out.put((String) r[0], (Long) r[1]);
    }
    return out;
  }

  @Override
  public long lastCreditSeq() {
    return query("SELECT COALESCE(MAX(seq), 0) AS m FROM credits", rs -> rs.getLong("m")).getFirst();
  }

  @Override
  public List<ServiceRecord> services() {
    return query(
        "SELECT * FROM services ORDER BY created_at, id",
        rs -> new ServiceRecord(
            rs.getString("id"), rs.getString("owner"), rs.getString("name"), rs.getString("operator"),
            rs.getString("config"), rs.getString("hardware"), rs.getString("acceptance"), rs.getLong("min_payment"),
            rs.getLong("max_payment"), rs.getLong("max_lifetime_ms"), rs.getInt("external") == 1, rs.getInt("retired") == 1,
            rs.getLong("created_at"), rs.getLong("updated_at"), rs.getString("actor")));
  }

  @Override
  public List<RegistrationRecord> registrations() {
    return query(
        "SELECT * FROM registrations ORDER BY registered_at, service, worker",
        rs -> new RegistrationRecord(
            rs.getString("service"), rs.getString("worker"), rs.getLong("registered_at"), rs.getLong("ended_at"),
            rs.getString("by_principal"), rs.getString("actor")));
  }

  @Override
  public java.util.Set<String> trustedPeers() {
    return java.util.Set.copyOf(query("SELECT peer_id FROM trusted", rs -> rs.getString("peer_id")));
  }

  @Override
  public long firstEventSeq() {
    return query("SELECT COALESCE(MIN(seq), 0) AS m FROM events", rs -> rs.getLong("m")).getFirst();
  }

  @Override
  public List<String> workersLeftConnected() {
    return query(
        "SELECT e.peer_id AS peer FROM events e JOIN (SELECT peer_id, MAX(seq) AS newest FROM events WHERE kind = 'worker'"
            + " GROUP BY peer_id) n ON e.seq = n.newest WHERE e.to_state <> 'gone' ORDER BY e.peer_id",
        rs -> rs.getString("peer"));
  }

  @Override
  public long lastEventSeq() {
    return query("SELECT COALESCE(MAX(seq), 0) AS m FROM events", rs -> rs.getLong("m")).getFirst();
  }

  private interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String sql, Row<T> row, Object... args) {
    synchronized (reader) {
      return queryLocked(sql, row, args);
    }
  }

  private <T> List<T> queryLocked(String sql, Row<T> row, Object... args) {
    try (PreparedStatement p = reader.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      List<T> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(row.read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("store query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return "sqlite " + file + (fsync ? " (fsync: survives power loss)" : " (no fsync: survives a process crash)");
  }

  @Override
  public synchronized void close() {
    try {
      writer.close();
      synchronized (reader) {
        reader.close();
      }
    } catch (SQLException e) {
      throw new StoreException("closing store failed: " + e.getMessage(), e);
    }
  }
}
