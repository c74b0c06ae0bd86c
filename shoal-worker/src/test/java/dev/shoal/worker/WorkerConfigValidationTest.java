package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.Accelerator;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** WorkerConfig refuses each bad setting with a message that starts with the setting's name. */
class WorkerConfigValidationTest {

  static Stream<Arguments> badSettings() {
    return Stream.of(
        bad("no orchestrators", "orchestrator:", b -> b.orchestrators(List.of())),
        bad("null orchestrators", "orchestrator:", b -> b.orchestrators(null)),
        bad("address without port", "orchestrator:", b -> b.orchestrators(List.of("localhost"))),
        bad("address without host", "orchestrator:", b -> b.orchestrators(List.of(":7070"))),
        bad("port not a number", "orchestrator:", b -> b.orchestrators(List.of("host:http"))),
        bad("port out of range", "orchestrator:", b -> b.orchestrators(List.of("host:65536"))),
        bad("one bad address among good", "orchestrator:", b -> b.orchestrators(List.of("a:1", "b"))),
        // Addresses no channel can ever dial: better refused now than retried forever.
        bad("port zero", "orchestrator:", b -> b.orchestrators(List.of("host:0"))),
        bad("blank host", "orchestrator:", b -> b.orchestrators(List.of(" :7070"))),
        bad("host with a space", "orchestrator:", b -> b.orchestrators(List.of("two words:7070"))),
        bad("blank name", "name:", b -> b.name("  ")),
        bad("long name", "name:", b -> b.name("n".repeat(129))),
        bad("zero max tasks", "max-tasks:", b -> b.maxConcurrentTasks(0)),
        bad("negative max tasks", "max-tasks:", b -> b.maxConcurrentTasks(-3)),
        bad("too many max tasks", "max-tasks:", b -> b.maxConcurrentTasks(4097)),
        bad("tiny max task bytes", "max-task-bytes:", b -> b.maxTaskBytes(1023)),
        bad("no operators", "operators:", b -> b.operators(OperatorRegistry.of())),
        bad("blank model", "models:", b -> b.models(List.of(" "))),
        bad("too many models", "models:", b -> b.models(Collections.nCopies(257, "m"))),
        bad("too many accelerators", "accelerators:", b -> b.accelerators(Collections.nCopies(65, Accelerator.getDefaultInstance()))),
        bad("no protocol versions", "protocol-versions:", b -> b.protocolVersions(List.of())),
        bad("too many protocol versions", "protocol-versions:", b -> b.protocolVersions(Collections.nCopies(17, ProtocolVersions.CURRENT))),
        bad("heartbeat under 10 ms", "heartbeat-interval:", b -> b.heartbeatInterval(Duration.ofMillis(9))),
        bad("zero reconnect", "reconnect:", b -> b.reconnectInitial(Duration.ZERO)),
        bad("initial over max", "reconnect:", b -> b.reconnectInitial(Duration.ofSeconds(11)).reconnectMax(Duration.ofSeconds(10))),
        bad("null reconnect max", "reconnect:", b -> b.reconnectMax(null)),
        bad("negative drain", "drain-timeout:", b -> b.drainTimeout(Duration.ofMillis(-1))),
        bad("null drain", "drain-timeout:", b -> b.drainTimeout(null)),
        bad("blank owner", "owner:", b -> b.owner(" ")),
        bad("long owner", "owner:", b -> b.owner("o".repeat(129))),
        bad("owner with a newline", "owner:", b -> b.owner("ml\nteam")),
        bad("service with a space", "service:", b -> b.service("svc 1")),
        bad("empty service", "service:", b -> b.service("")),
        bad("negative data cache", "data-cache:", b -> b.dataCacheBytes(-1)),
        bad("zero data cache age", "data-cache-age:", b -> b.dataCacheAge(Duration.ZERO)),
        bad("null data cache age", "data-cache-age:", b -> b.dataCacheAge(null)),
        bad("llm url not http", "llm-url:", b -> b.models(List.of("m")).llm(URI.create("ftp://host/v1"), null)),
        bad("llm url without host", "llm-url:", b -> b.models(List.of("m")).llm(URI.create("http:///v1"), null)),
        bad("llm url with a query", "llm-url:", b -> b.models(List.of("m")).llm(URI.create("http://h/v1?x=1"), null)),
        bad("llm without models", "llm-model:", b -> b.llm(URI.create("http://127.0.0.1:11434/v1"), null)),
        bad("llm key with a space", "llm-api-key:", b -> b.models(List.of("m")).llm(URI.create("http://h/v1"), "a b")),
        bad("command without =", "command:", b -> b.command("upper")),
        bad("command with an open quote", "command:", b -> b.command("say=echo 'hi")),
        bad("command with a bad name", "command:", b -> b.command("a b=cat")),
        bad("command with no program", "command:", b -> b.command("empty=")),
        bad("command not installed", "command:", b -> b.command("ghost=no-such-program-here")),
        bad("command by relative path", "command:", b -> b.command("rel=./run.sh")),
        bad("tiny process memory", "process-memory:", b -> b.command("c=cat").processMemoryBytes(1024)),
        bad("negative output cap", "process-output-cap", b -> b.command("c=cat").processOutputCap(-1)),
        bad("caps over one message", "artifact-cap:", b -> b.command("c=cat").artifactCap(64L << 20)));
  }

  private static Arguments bad(String what, String key, UnaryOperator<WorkerConfig.Builder> change) {
    return Arguments.of(what, key, change);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSettings")
  void aBadSettingIsNamed(String what, String key, UnaryOperator<WorkerConfig.Builder> change) {
    assertThatThrownBy(() -> change.apply(WorkerConfig.builder()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(key);
  }

  @Test
  void theBadAddressIsQuoted() {
    assertThatThrownBy(() -> WorkerConfig.builder().orchestrators(List.of("a:1", "nohost")).build())
        .hasMessageContaining("'nohost'");
    assertThatThrownBy(() -> WorkerConfig.builder().maxConcurrentTasks(0).build()).hasMessageContaining("got 0");
  }

  @Test
  void limitsThemselvesAreAccepted() {
    assertThatCode(
            () ->
                WorkerConfig.builder()
                    .orchestrators(List.of("h:1", "[::1]:65535", "orchestrator.example:7070"))
                    .name("n".repeat(128))
                    .maxConcurrentTasks(4096)
                    .maxTaskBytes(1024)
                    .heartbeatInterval(Duration.ofMillis(10))
                    .reconnectInitial(Duration.ofMillis(5))
                    .reconnectMax(Duration.ofMillis(5))
                    .drainTimeout(Duration.ZERO)
                    .build())
        .doesNotThrowAnyException();
    assertThat(WorkerConfig.builder().maxConcurrentTasks(1).build().maxConcurrentTasks()).isEqualTo(1);
  }

  @Test
  void programsCountAsOperatorsAndCommandsKeepTheirWords() {
    WorkerConfig c =
        WorkerConfig.builder()
            .operators(OperatorRegistry.of())
            .models(List.of("llama3.2"))
            .llm(URI.create("http://127.0.0.1:11434/v1"), "sk-secret")
            .command("upper=tr a-z A-Z")
            .command("say=sh -c 'echo \"$1\"' sh")
            .owner("ml-team")
            .service("svc_0123456789abcdef")
            .build();

    assertThat(c.commands()).containsEntry("upper", List.of("tr", "a-z", "A-Z")).containsEntry("say", List.of("sh", "-c", "echo \"$1\"", "sh"));
    assertThat(c.owner()).isEqualTo("ml-team");
    assertThat(c.services()).containsExactly("svc_0123456789abcdef");
    assertThat(c.llm().apiKey()).isEqualTo("sk-secret");
    assertThat(c.toString()).doesNotContain("sk-secret");
    assertThat(c.processMemoryBytes()).isEqualTo(4L << 30);
    assertThat(c.processOutputCap()).isEqualTo(4L << 20);
    assertThat(c.artifactCap()).isEqualTo(16L << 20);
    assertThat(c.dataCacheBytes()).isEqualTo(256L << 20);
    assertThat(c.dataCacheAge()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void theConfigCopiesItsLists() {
    List<String> addresses = new ArrayList<>(List.of("a:1"));
    WorkerConfig c = WorkerConfig.builder().orchestrators(addresses).build();
    addresses.add("bad");
    assertThat(c.orchestrators()).containsExactly("a:1");
  }

  @Test
  void workerCreateValidatesToo() {
    WorkerConfig invalid =
        new WorkerConfig(
            List.of(), "w", 1, 1024, OperatorRegistry.standard(), List.of(), List.of(), ProtocolVersions.SUPPORTED, null,
            Duration.ofMillis(10), Duration.ofMillis(10), null, Duration.ZERO, false, null, List.of(), null, null, 0, 0, 0, null,
            0, Duration.ofMinutes(1));
    assertThatThrownBy(() -> Worker.create(invalid)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("orchestrator:");
  }
}
