package dev.shoal.orchestrator.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract, for the embedded SQLite file with fsync on. */
class SqliteStoreTest extends StateStoreContract {

  @TempDir Path dir;

  @Override
  protected StateStore open() {
    return new SqliteStore(dir.resolve("shoal.db"), true);
  }

  @Override
  protected StateStore reopen() {
    return new SqliteStore(dir.resolve("shoal.db"), true);
  }

  @Test
  void aStoreWrittenByANewerSchemaIsRefusedWithAClearMessage() throws Exception {
    store.close();
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("shoal.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=99");
    }
    assertThatThrownBy(() -> new SqliteStore(dir.resolve("shoal.db"), false))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("newer than this build");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("shoal.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=4");
    }
    store = open();
  }

  @Test
  void aVersion1StoreIsMigratedInPlaceAndItsTasksReadAsFirstValid() throws Exception {
    store.close();
    Path old = dir.resolve("v1.db");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + old);
        Statement s = c.createStatement()) {
      SqliteStore.createVersion1(s);
      s.execute("PRAGMA user_version=1");
      s.execute("INSERT INTO jobs VALUES ('j1', 'tasks', NULL, 'RUNNING', 1, 0, 1, NULL, 0)");
      s.execute("INSERT INTO tasks VALUES ('j1', 'a', 0, x'01', 3, 'READY', 0, 0, NULL, NULL, NULL, 1)");
      s.execute("INSERT INTO attempts VALUES ('j1', 'a', 1, 'p', 'LOST', 1, 2, 'gone')");
      s.execute("INSERT INTO events VALUES (1, 1, 'job', 'j1', '', 0, '', '', 'RUNNING', '')");
      s.execute("INSERT INTO events VALUES (2, 1, 'attempt', 'j1', 'a', 1, 'p', '', 'DISPATCHED', '')");
      s.execute("INSERT INTO events VALUES (3, 2, 'attempt', 'j1', 'a', 1, 'p', 'DISPATCHED', 'LOST', 'gone')");
      s.execute("INSERT INTO events VALUES (4, 2, 'judgement', '', '', 0, 'p', '', 'lost', '')");
    }
    store = new SqliteStore(old, false);
    TaskRecord t = store.task("j1", "a").orElseThrow();
    assertThat(t.policy()).isEqualTo("first_valid");
    assertThat(t.acceptance()).isNull();
    assertThat(store.attempts("j1", "a")).singleElement().satisfies(a -> {
      assertThat(a.detail()).isEqualTo("gone");
      assertThat(a.result()).isNull();
      assertThat(a.verdict()).isNull();
    });
    // Version 3: the events feed's types, named from what the old rows say.
    assertThat(store.events(0, 10))
        .extracting(EventRecord::type)
        .containsExactly("job.published", "task.assigned", "attempt.status_changed", "worker.judged");
    assertThat(store.firstEventSeq()).isEqualTo(1);
    store.close();
    store = new SqliteStore(old, false);
    assertThat(store.task("j1", "a")).isPresent();
  }

  @Test
  void describeSaysWhetherItSurvivesPowerLoss() {
    assertThat(store.describe()).contains("fsync");
  }
}
