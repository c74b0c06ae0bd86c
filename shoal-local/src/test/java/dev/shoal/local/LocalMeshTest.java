package dev.shoal.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskResult;
import dev.shoal.testkit.StandInProcess;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * A local mesh is a real one: the SDK talks HTTP to its orchestrator, which dispatches over gRPC
 * to its workers. The LLM behind the llm worker is the stand-in server in its own process (the
 * one double: a model server is outside the system).
 */
class LocalMeshTest {

  @Test
  void runsProgramsAndChatsThroughTheSdk() throws Exception {
    try (StandInProcess llm = StandInProcess.start("--models", "llama3.2");
        LocalMesh mesh =
            LocalMesh.builder()
                .llmWorker("gpu-1", URI.create(llm.baseUrl()), "llama3.2")
                .processWorker("agents", "upper=tr a-z A-Z")
                .start();
        ShoalClient client = mesh.client()) {
      assertThat(mesh.workers()).hasSize(2);

      TaskResult upper = client.tasks().run(TaskRequest.process("upper", "hello shoal"));
      assertThat(upper.text()).isEqualTo("HELLO SHOAL");

      TaskResult chat = client.tasks().run(TaskRequest.chat("llama3.2", "hello there"));
      assertThat(chat.text()).contains("hello there");
    }
  }
}
