package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.ProtocolVersions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

  @Test
  void defaultsFollowTheMachine() {
    WorkerConfig c = WorkerConfig.builder().build();

    assertThat(c.orchestrators()).containsExactly("127.0.0.1:7070");
    assertThat(c.maxConcurrentTasks()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(c.maxTaskBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
    assertThat(c.operators().ids()).isEqualTo(OperatorRegistry.standard().ids());
    assertThat(c.models()).isEmpty();
    assertThat(c.accelerators()).isEmpty();
    assertThat(c.protocolVersions()).isEqualTo(ProtocolVersions.SUPPORTED);
    assertThat(c.heartbeatInterval()).isNull();
    assertThat(c.reconnectInitial()).isEqualTo(Duration.ofMillis(200));
    assertThat(c.reconnectMax()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.keyFile()).isNull();
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.name()).isNotBlank();
  }

  @Test
  void eachBadValueIsNamedByItsKey() {
    assertThatThrownBy(() -> WorkerConfig.builder().orchestrators(List.of()).build()).hasMessageStartingWith("orchestrator:");
    assertThatThrownBy(() -> WorkerConfig.builder().orchestrators(List.of("localhost")).build())
        .hasMessageStartingWith("orchestrator:").hasMessageContaining("localhost");
    assertThatThrownBy(() -> WorkerConfig.builder().orchestrators(List.of("h:70000")).build()).hasMessageStartingWith("orchestrator:");
    assertThatThrownBy(() -> WorkerConfig.builder().name(" ").build()).hasMessageStartingWith("name:");
    assertThatThrownBy(() -> WorkerConfig.builder().maxConcurrentTasks(0).build()).hasMessageStartingWith("max-tasks:");
    assertThatThrownBy(() -> WorkerConfig.builder().maxTaskBytes(10).build()).hasMessageStartingWith("max-task-bytes:");
    assertThatThrownBy(() -> WorkerConfig.builder().protocolVersions(List.of()).build()).hasMessageStartingWith("protocol-versions:");
    assertThatThrownBy(() -> WorkerConfig.builder().heartbeatInterval(Duration.ofMillis(1)).build())
        .hasMessageStartingWith("heartbeat-interval:");
    assertThatThrownBy(() -> WorkerConfig.builder().reconnectInitial(Duration.ofSeconds(20)).build()).hasMessageStartingWith("reconnect:");
    assertThatThrownBy(() -> WorkerConfig.builder().drainTimeout(Duration.ofSeconds(-1)).build()).hasMessageStartingWith("drain-timeout:");
  }

  @Test
  void isImmutable() {
    List<String> addresses = new java.util.ArrayList<>(List.of("a:1"));
    WorkerConfig c = WorkerConfig.builder().orchestrators(addresses).build();
    addresses.add("b:2");

    assertThat(c.orchestrators()).containsExactly("a:1");
    assertThatThrownBy(() -> c.orchestrators().add("c:3")).isInstanceOf(UnsupportedOperationException.class);
  }
}
