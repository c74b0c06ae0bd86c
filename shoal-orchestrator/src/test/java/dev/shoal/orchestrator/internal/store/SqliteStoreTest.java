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
      s.execute("PRAGMA user_version=1");
    }
    store = open();
  }

  @Test
  void describeSaysWhetherItSurvivesPowerLoss() {
    assertThat(store.describe()).contains("fsync");
  }
}
