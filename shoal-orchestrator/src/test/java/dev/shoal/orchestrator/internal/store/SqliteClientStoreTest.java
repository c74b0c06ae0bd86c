package dev.shoal.orchestrator.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract, for {@code clients.db} with fsync on; plus what only a file has. */
class SqliteClientStoreTest extends ClientStoreContract {

  @TempDir Path dir;

  @Override
  protected ClientStore open() {
    return new SqliteClientStore(dir.resolve("clients.db"), true);
  }

  @Override
  protected ClientStore reopen() {
    return new SqliteClientStore(dir.resolve("clients.db"), true);
  }

  @Test
  void theFileIsReadableByItsOwnerOnlyBecauseItHoldsWebhookSecrets() throws Exception {
    assertThat(Files.getPosixFilePermissions(dir.resolve("clients.db")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void aFileWrittenByANewerSchemaIsRefusedWithAClearMessage() throws Exception {
    store.close();
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("clients.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=99");
    }
    assertThatThrownBy(this::open).isInstanceOf(StoreException.class).hasMessageContaining("newer than this build");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("clients.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=1");
    }
    store = open();
  }
}
