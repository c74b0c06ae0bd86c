package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The stand-in runs in a JVM of its own, says where it listens, and dies on close. */
class StandInProcessTest {

  @Test
  void startsAnotherJvmThatServesUntilClosed() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    StandInProcess p = StandInProcess.start("--port", "0", "--models", "m1,m2", "--api-key", "k");
    ProcessHandle handle;
    try (p) {
      assertThat(p.pid()).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(p.rootUrl()).matches("http://127\\.0\\.0\\.1:[0-9]+");
      assertThat(p.baseUrl()).isEqualTo(p.rootUrl() + "/v1");
      HttpResponse<String> models =
          http.send(
              HttpRequest.newBuilder(URI.create(p.baseUrl() + "/models")).header("Authorization", "Bearer k").build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(200);
      assertThat(new ObjectMapper().readTree(models.body()).get("data").findValuesAsText("id")).containsExactly("m1", "m2");
      handle = ProcessHandle.of(p.pid()).orElseThrow();
    }
    assertThat(handle.isAlive()).isFalse();
    assertThat(ProcessHandle.of(handle.pid()).filter(ProcessHandle::isAlive)).isEqualTo(Optional.empty());
  }

  @Test
  void aServerThatCannotStartSaysWhy() {
    assertThatThrownBy(() -> StandInProcess.start("--chunks", "0"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chunks: must be at least 1");
  }
}
