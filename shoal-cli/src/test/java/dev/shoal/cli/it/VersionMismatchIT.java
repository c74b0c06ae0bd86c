package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.ProtocolVersions;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker that speaks only a future major version is refused, and says why. */
class VersionMismatchIT {

  @TempDir Path dir;

  @Test
  void aWorkerClaimingAFutureMajorIsRefusedAndExits() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      Process worker = mesh.worker(orch, "from-the-future", 1, "--protocol-versions", "2.0.0");
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the refused worker exits").isTrue();
      assertThat(worker.exitValue()).isNotZero();
      String log = mesh.output(worker);
      assertThat(log)
          .contains(
              "protocol version mismatch: orchestrator supports " + ProtocolVersions.format(ProtocolVersions.SUPPORTED)
                  + ", worker supports [2.0.0]");
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        assertThat(client.workers().list()).isEmpty();
      }
    }
  }
}
