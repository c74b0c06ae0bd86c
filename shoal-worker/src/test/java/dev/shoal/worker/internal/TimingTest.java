package dev.shoal.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.v1.Welcome;
import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class TimingTest {

  private final Timing timing = new Timing(Duration.ofMillis(200), Duration.ofSeconds(10));

  @RepeatedTest(20)
  void backoffDoublesWithJitterUpToTheMax() {
    assertThat(timing.backoff(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(timing.backoff(2)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(timing.backoff(4)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1600));
    assertThat(timing.backoff(10)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
    assertThat(timing.backoff(1_000)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  @Test
  void heartbeatsFollowTheWelcomeUnlessOverridden() {
    Welcome w = Welcome.newBuilder().setHeartbeatIntervalMs(500).setMissedHeartbeatsLimit(4).build();

    assertThat(Timing.sendInterval(null, w)).isEqualTo(Duration.ofMillis(500));
    assertThat(Timing.sendInterval(Duration.ofMillis(100), w)).isEqualTo(Duration.ofMillis(100));
    assertThat(Timing.missedLimit(w)).isEqualTo(4);
    assertThat(Timing.sendInterval(null, Welcome.getDefaultInstance())).isEqualTo(Duration.ofSeconds(2));
    assertThat(Timing.missedLimit(Welcome.getDefaultInstance())).isEqualTo(3);
  }

  @Test
  void silenceIsJudgedAgainstTheOrchestratorsOwnInterval() {
    Welcome w = Welcome.newBuilder().setHeartbeatIntervalMs(100).setMissedHeartbeatsLimit(3).build();
    long now = timing.nanoTime();

    assertThat(timing.silentTooLong(now, w)).isFalse();
    assertThat(timing.silentTooLong(now - Duration.ofMillis(301).toNanos(), w)).isTrue();
  }
}
