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
  void aVersion1FileGainsSubscriptionsAndKeepsItsKeys() throws Exception {
    store.close();
    java.nio.file.Path old = dir.resolve("v1.db");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + old);
        Statement s = c.createStatement()) {
      SqliteClientStore.createVersion1(s);
      s.execute("PRAGMA user_version=1");
      s.execute("INSERT INTO api_keys VALUES ('k1', 'ci', 'read', 5, x'00', 1, 0, 0)");
    }
    store = new SqliteClientStore(old, false);
    assertThat(store.keys()).extracting(KeyRecord::id).containsExactly("k1");
    assertThat(store.subscriptions()).isEmpty();
    store.putSubscription(new SubscriptionRecord("ws_1", "https://h.example.com", "s".repeat(16), "{}", 0, true, 0, null, 1, 0));
    assertThat(store.subscriptions()).hasSize(1);
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
      s.execute("PRAGMA user_version=3");
    }
    store = open();
  }
}
