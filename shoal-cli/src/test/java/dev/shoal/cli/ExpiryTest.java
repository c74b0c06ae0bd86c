package dev.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What --expires takes: a span from now, or a moment; and what --max-lifetime takes: a span alone. */
class ExpiryTest {

  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private final Expiry expiry = new Expiry(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void spansCountFromNow() {
    assertThat(expiry.convert("90s")).isEqualTo(NOW.plusSeconds(90));
    assertThat(expiry.convert("30m")).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
    assertThat(expiry.convert("1h")).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(expiry.convert(" 7D ")).isEqualTo(NOW.plus(Duration.ofDays(7)));
    assertThat(expiry.convert("PT1H30M")).isEqualTo(NOW.plus(Duration.ofMinutes(90)));
    assertThat(expiry.convert("p2d")).isEqualTo(NOW.plus(Duration.ofDays(2)));
  }

  @Test
  void momentsAreTakenAsTheySay() {
    assertThat(expiry.convert("2026-01-31T18:00:00Z")).isEqualTo(Instant.parse("2026-01-31T18:00:00Z"));
    assertThat(expiry.convert("2026-01-31T18:00:00+02:00")).isEqualTo(Instant.parse("2026-01-31T16:00:00Z"));
  }

  @Test
  void anythingElseIsRefusedWithWhatWouldDo() {
    for (String bad : new String[] {"soon", "1w", "-1h", "PT-1H", "PT0S", "2026-01-31", "1.5h", ""}) {
      assertThatThrownBy(() -> expiry.convert(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class);
    }
  }

  @Test
  void aLifetimeIsASpanAlone() {
    Expiry.Span span = new Expiry.Span();
    assertThat(span.convert("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(span.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(span.convert("PT30M")).isEqualTo(Duration.ofMinutes(30));
    for (String bad : new String[] {"2026-01-31T18:00:00Z", "0s", "-1h", "forever", ""}) {
      assertThatThrownBy(() -> span.convert(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class);
    }
  }
}
