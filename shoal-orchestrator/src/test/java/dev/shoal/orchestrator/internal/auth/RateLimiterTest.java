package dev.shoal.orchestrator.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.time.FakeClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final FakeClock clock = new FakeClock(0);
  private final RateLimiter limiter = new RateLimiter(clock);

  private int allowedInARow(String key, int rate) {
    int n = 0;
    while (limiter.acquire(key, rate).allowed()) {
      n++;
    }
    return n;
  }

  @Test
  void aFreshKeyMayBurstTwiceItsRateThenWaits() {
    assertThat(allowedInARow("k", 10)).isEqualTo(20);
    RateLimiter.Result refused = limiter.acquire("k", 10);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void tokensComeBackAtTheRate() {
    allowedInARow("k", 10);
    clock.advance(99);
    assertThat(limiter.acquire("k", 10).allowed()).isFalse();
    clock.advance(1);
    assertThat(limiter.acquire("k", 10).allowed()).isTrue();
    assertThat(limiter.acquire("k", 10).allowed()).isFalse();
    clock.advance(500);
    assertThat(allowedInARow("k", 10)).isEqualTo(5);
    clock.advance(60_000);
    assertThat(allowedInARow("k", 10)).as("an idle key refills to the burst, no more").isEqualTo(20);
  }

  @Test
  void aSteadyClientAtTheRateIsNeverRefused() {
    allowedInARow("k", 4);
    for (int i = 0; i < 1000; i++) {
      clock.advance(250);
      assertThat(limiter.acquire("k", 4).allowed()).isTrue();
    }
  }

  @Test
  void retryAfterIsWholeSecondsAndAtLeastOne() {
    allowedInARow("slow", 1);
    RateLimiter.Result r = limiter.acquire("slow", 1);
    assertThat(r.allowed()).isFalse();
    assertThat(r.retryAfterSeconds()).isEqualTo(1);
    clock.advance(999);
    assertThat(limiter.acquire("slow", 1).allowed()).isFalse();
    clock.advance(1);
    assertThat(limiter.acquire("slow", 1).allowed()).isTrue();
  }

  @Test
  void keysHaveTheirOwnBucketsAndForgetStartsAFreshOne() {
    allowedInARow("a", 1);
    assertThat(limiter.acquire("b", 1).allowed()).isTrue();
    limiter.forget("a");
    assertThat(allowedInARow("a", 1)).isEqualTo(2);
  }

  @Test
  void aRateBelowOneIsRefused() {
    assertThatThrownBy(() -> limiter.acquire("k", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentCallersGetExactlyTheBurstBetweenThem() throws Exception {
    AtomicInteger allowed = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < 500; i++) {
          if (limiter.acquire("shared", 100).allowed()) {
            allowed.incrementAndGet();
          }
        }
      }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(allowed.get()).isEqualTo(200);
  }
}
