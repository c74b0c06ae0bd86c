package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.SqliteStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restarted core resumes unfinished jobs from each store backend. */
class RecoveryTest {

  @Test
  void restartResumesFromMemory() throws Exception {
    RecoveryScenarios.restartLosesRunningAttempts(new MemoryStore());
  }

  @Test
  void aDeadlineSurvivesARestart(@TempDir Path dir) throws Exception {
    try (SqliteStore store = new SqliteStore(dir.resolve("shoal.db"), false)) {
      RecoveryScenarios.deadlineSurvivesRestart(store);
    }
  }

  @Test
  void restartResumesFromASqliteFile(@TempDir Path dir) throws Exception {
    try (SqliteStore store = new SqliteStore(dir.resolve("shoal.db"), true)) {
      RecoveryScenarios.restartLosesRunningAttempts(store);
    }
  }
}
