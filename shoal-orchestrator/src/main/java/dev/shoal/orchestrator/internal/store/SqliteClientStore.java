package dev.shoal.orchestrator.internal.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keys and webhook deliveries in their own SQLite file ({@code clients.db} next to
 * {@code shoal.db}), WAL mode, with the same durability switch as {@link SqliteStore}: with
 * {@code fsync} every commit reaches the disk. Changes are rare and small, so one connection and
 * one lock serve everything. The file holds webhook secrets, so it is created owner-only.
 */
public final class SqliteClientStore implements ClientStore {

  private static final int SCHEMA_VERSION = 3;
  private static final String DELIVERY_COLUMNS =
      "task_id, event_id, url, secret, state, payload, registered_at, attempts, next_attempt_at, last_error,"
          + " finished_at";

  private final Path file;
  private final Connection db;

  public SqliteClientStore(Path file, boolean fsync) {
    this.file = file;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      createOwnerOnly(file);
      db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "OFF"));
        s.execute("PRAGMA busy_timeout=10000");
        migrate(s);
      }
      db.setAutoCommit(false);
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot open client store " + file + ": " + e.getMessage(), e);
    }
  }

  /** SQLite gives its -wal and -shm files the database file's mode, so this covers them too. */
  private static void createOwnerOnly(Path file) throws IOException {
    if (Files.exists(file) || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
  }

  private static void migrate(Statement s) throws SQLException {
    int version;
    try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      version = rs.getInt(1);
    }
    if (version > SCHEMA_VERSION) {
      throw new SQLException(
          "client store schema version " + version + " is newer than this build's " + SCHEMA_VERSION
              + "; upgrade Shoal");
    }
    if (version == SCHEMA_VERSION) {
      return;
    }
    s.execute("BEGIN IMMEDIATE");
    try {
      if (version < 1) {
        createVersion1(s);
      }
      if (version < 2) {
        // 2: webhooks subscribed to the event log.
        s.execute(
          "CREATE TABLE event_subscriptions(id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL,"
              + " filter TEXT NOT NULL, cursor INTEGER NOT NULL, active INTEGER NOT NULL, failures INTEGER NOT NULL,"
              + " last_error TEXT, created_at INTEGER NOT NULL, delivered_at INTEGER NOT NULL)");
      }
      // 3: a key acts as a principal (a client or fleet owner), or as nobody (an operator's key).
      s.execute("ALTER TABLE api_keys ADD COLUMN principal TEXT NOT NULL DEFAULT ''");
      s.execute("PRAGMA user_version=" + SCHEMA_VERSION);
      s.execute("COMMIT");
    } catch (SQLException e) {
      s.execute("ROLLBACK");
      throw e;
    }
  }

  /** The first schema: keys and task webhooks. */
  static void createVersion1(Statement s) throws SQLException {
    s.execute(
        "CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL,"
            + " rate_limit INTEGER NOT NULL, secret_hash BLOB NOT NULL, created_at INTEGER NOT NULL,"
            + " last_used_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL)");
    s.execute(
        "CREATE TABLE webhook_deliveries(task_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, url TEXT NOT NULL,"
            + " secret TEXT NOT NULL, state TEXT NOT NULL, payload TEXT, registered_at INTEGER NOT NULL,"
            + " attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT,"
            + " finished_at INTEGER NOT NULL)");
    s.execute(
        "CREATE INDEX webhook_deliveries_open ON webhook_deliveries(registered_at)"
            + " WHERE state IN ('WAITING', 'PENDING')");
    s.execute(
        "CREATE TABLE webhook_attempts(task_id TEXT NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL,"
            + " outcome TEXT NOT NULL, detail TEXT, PRIMARY KEY(task_id, attempt))");
  }

  @Override
  public synchronized void putKey(KeyRecord k) {
    write("add key " + k.id(), () -> {
      try (PreparedStatement p = db.prepareStatement(
          "INSERT INTO api_keys(id, name, scopes, rate_limit, secret_hash, created_at, last_used_at, revoked_at,"
              + " principal) VALUES (?,?,?,?,?,?,?,?,?)")) {
        p.setString(1, k.id());
        p.setString(2, k.name());
        p.setString(3, String.join(",", k.scopes()));
        p.setInt(4, k.rateLimit());
        p.setBytes(5, k.secretHash());
        p.setLong(6, k.createdAt());
        p.setLong(7, k.lastUsedAt());
        p.setLong(8, k.revokedAt());
        p.setString(9, k.principal());
        p.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public synchronized List<KeyRecord> keys() {
    return read("list keys", () -> {
      List<KeyRecord> out = new ArrayList<>();
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery(
              "SELECT id, name, scopes, rate_limit, secret_hash, created_at, last_used_at, revoked_at, principal"
                  + " FROM api_keys ORDER BY created_at, id")) {
        while (rs.next()) {
          out.add(new KeyRecord(
              rs.getString(1), rs.getString(2), Arrays.asList(rs.getString(3).split(",")), rs.getInt(4),
              rs.getBytes(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getString(9)));
        }
      }
      return out;
    });
  }

  @Override
  public synchronized boolean revokeKey(String id, long at) {
    return write("revoke key " + id, () -> {
      try (PreparedStatement p = db.prepareStatement(
          "UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?")) {
        p.setLong(1, at);
        p.setString(2, id);
        return p.executeUpdate() == 1;
      }
    });
  }

  @Override
  public synchronized void touchKeys(Map<String, Long> lastUsedAt) {
    if (lastUsedAt.isEmpty()) {
      return;
    }
    write("record key use", () -> {
      try (PreparedStatement p = db.prepareStatement(
          "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?")) {
        for (Map.Entry<String, Long> e : lastUsedAt.entrySet()) {
          p.setLong(1, e.getValue());
          p.setString(2, e.getKey());
          p.setLong(3, e.getValue());
          p.addBatch();
        }
        p.executeBatch();
      }
      return null;
    });
  }

  @Override
  public synchronized void putDelivery(DeliveryRecord d) {
    write("add webhook delivery for task " + d.taskId(), () -> {
      try (PreparedStatement p = db.prepareStatement(
          "INSERT INTO webhook_deliveries(" + DELIVERY_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
        bindDelivery(p, d);
        p.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public synchronized void updateDelivery(DeliveryRecord d) {
    write("update webhook delivery for task " + d.taskId(), () -> {
      update(d);
      return null;
    });
  }

  @Override
  public synchronized void recordDeliveryAttempt(DeliveryRecord d, DeliveryAttemptRecord a) {
    write("record webhook attempt " + a.attempt() + " for task " + a.taskId(), () -> {
      update(d);
      try (PreparedStatement p = db.prepareStatement(
          "INSERT INTO webhook_attempts(task_id, attempt, at, outcome, detail) VALUES (?,?,?,?,?)")) {
        p.setString(1, a.taskId());
        p.setInt(2, a.attempt());
        p.setLong(3, a.at());
        p.setString(4, a.outcome());
        p.setString(5, a.detail());
        p.executeUpdate();
      }
      return null;
    });
  }

  private void update(DeliveryRecord d) throws SQLException {
    try (PreparedStatement p = db.prepareStatement(
        "UPDATE webhook_deliveries SET state=?, payload=?, attempts=?, next_attempt_at=?, last_error=?,"
            + " finished_at=? WHERE task_id=?")) {
      p.setString(1, d.state().name());
      p.setString(2, d.payload());
      p.setInt(3, d.attempts());
      p.setLong(4, d.nextAttemptAt());
      p.setString(5, d.lastError());
      p.setLong(6, d.finishedAt());
      p.setString(7, d.taskId());
      if (p.executeUpdate() != 1) {
        throw new SQLException("task " + d.taskId() + " has no webhook delivery");
      }
    }
  }

  private static void bindDelivery(PreparedStatement p, DeliveryRecord d) throws SQLException {
    p.setString(1, d.taskId());
    p.setString(2, d.eventId());
    p.setString(3, d.url());
    p.setString(4, d.secret());
    p.setString(5, d.state().name());
    p.setString(6, d.payload());
    p.setLong(7, d.registeredAt());
    p.setInt(8, d.attempts());
    p.setLong(9, d.nextAttemptAt());
    p.setString(10, d.lastError());
    p.setLong(11, d.finishedAt());
  }

  @Override
  public synchronized Optional<DeliveryRecord> delivery(String taskId) {
    return read("read webhook delivery for task " + taskId, () -> {
      try (PreparedStatement p = db.prepareStatement(
          "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE task_id = ?")) {
        p.setString(1, taskId);
        List<DeliveryRecord> found = deliveries(p);
        return found.isEmpty() ? Optional.<DeliveryRecord>empty() : Optional.of(found.getFirst());
      }
    });
  }

  @Override
  public synchronized List<DeliveryRecord> openDeliveries() {
    return read("list open webhook deliveries", () -> {
      try (PreparedStatement p = db.prepareStatement(
          "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE state IN ('WAITING', 'PENDING')"
              + " ORDER BY registered_at, task_id")) {
        return deliveries(p);
      }
    });
  }

  private static List<DeliveryRecord> deliveries(PreparedStatement p) throws SQLException {
    List<DeliveryRecord> out = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(new DeliveryRecord(
            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            DeliveryState.valueOf(rs.getString(5)), rs.getString(6), rs.getLong(7), rs.getInt(8), rs.getLong(9),
            rs.getString(10), rs.getLong(11)));
      }
    }
    return out;
  }

  @Override
  public synchronized List<DeliveryAttemptRecord> deliveryAttempts(String taskId) {
    return read("list webhook attempts for task " + taskId, () -> {
      List<DeliveryAttemptRecord> out = new ArrayList<>();
      try (PreparedStatement p = db.prepareStatement(
          "SELECT task_id, attempt, at, outcome, detail FROM webhook_attempts WHERE task_id = ? ORDER BY attempt")) {
        p.setString(1, taskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(new DeliveryAttemptRecord(
                rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
          }
        }
      }
      return out;
    });
  }

  private static final String SUBSCRIPTION_COLUMNS =
      "id, url, secret, filter, cursor, active, failures, last_error, created_at, delivered_at";

  @Override
  public synchronized void putSubscription(SubscriptionRecord r) {
    write("add subscription " + r.id(), () -> {
      try (PreparedStatement p = db.prepareStatement(
          "INSERT INTO event_subscriptions(" + SUBSCRIPTION_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?)")) {
        p.setString(1, r.id());
        p.setString(2, r.url());
        p.setString(3, r.secret());
        p.setString(4, r.filter());
        p.setLong(5, r.cursor());
        p.setInt(6, r.active() ? 1 : 0);
        p.setInt(7, r.failures());
        p.setString(8, r.lastError());
        p.setLong(9, r.createdAt());
        p.setLong(10, r.deliveredAt());
        p.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public synchronized boolean updateSubscription(SubscriptionRecord r) {
    return write("update subscription " + r.id(), () -> {
      try (PreparedStatement p = db.prepareStatement(
          "UPDATE event_subscriptions SET cursor=?, active=?, failures=?, last_error=?, delivered_at=? WHERE id=?")) {
        p.setLong(1, r.cursor());
        p.setInt(2, r.active() ? 1 : 0);
        p.setInt(3, r.failures());
        p.setString(4, r.lastError());
        p.setLong(5, r.deliveredAt());
        p.setString(6, r.id());
        return p.executeUpdate() == 1;
      }
    });
  }

  @Override
  public synchronized boolean deleteSubscription(String id) {
    return write("delete subscription " + id, () -> {
      try (PreparedStatement p = db.prepareStatement("DELETE FROM event_subscriptions WHERE id=?")) {
        p.setString(1, id);
        return p.executeUpdate() == 1;
      }
    });
  }

  @Override
  public synchronized List<SubscriptionRecord> subscriptions() {
    return read("list subscriptions", () -> {
      List<SubscriptionRecord> out = new ArrayList<>();
      try (PreparedStatement p = db.prepareStatement(
              "SELECT " + SUBSCRIPTION_COLUMNS + " FROM event_subscriptions ORDER BY created_at, id");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new SubscriptionRecord(
              rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getInt(6) == 1,
              rs.getInt(7), rs.getString(8), rs.getLong(9), rs.getLong(10)));
        }
      }
      return out;
    });
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close client store " + file + ": " + e.getMessage(), e);
    }
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs a change in one transaction; on failure nothing of it stays. */
  private <T> T write(String what, Work<T> work) {
    try {
      T result = work.run();
      db.commit();
      return result;
    } catch (SQLException e) {
      try {
        db.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
    }
  }

  private <T> T read(String what, Work<T> work) {
    try {
      T result = work.run();
      db.commit(); // ends the read transaction so the WAL can be checkpointed
      return result;
    } catch (SQLException e) {
      throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
    }
  }
}
