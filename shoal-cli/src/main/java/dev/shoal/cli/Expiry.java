package dev.shoal.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/**
 * When a grant ends: a span from now ({@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}, or ISO
 * {@code PT1H}) or a moment ({@code 2026-01-31T18:00:00Z}, an offset instead of Z allowed).
 */
final class Expiry implements CommandLine.ITypeConverter<Instant> {

  private final Clock clock;

  Expiry() {
    this(Clock.systemUTC());
  }

  Expiry(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Instant convert(String value) {
    String v = value.strip();
    Duration span = span(v.toLowerCase(Locale.ROOT));
    if (span != null) {
      if (span.isNegative() || span.isZero()) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a span ahead of now");
      }
      return clock.instant().plus(span);
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is neither a span (90s, 30m, 12h, 7d, PT1H) nor a time such as 2026-01-31T18:00:00Z");
    }
  }

  /** A span alone, as {@code --max-lifetime} takes it: {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d} or ISO {@code PT1H}. */
  static final class Span implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = span(value.strip().toLowerCase(Locale.ROOT));
      if (d == null || d.isNegative() || d.isZero()) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a span such as 90s, 30m, 12h, 7d or PT1H");
      }
      return d;
    }
  }

  private static Duration span(String v) {
    if (v.startsWith("p")) {
      try {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    if (!v.matches("[0-9]{1,9}[smhd]")) {
      return null;
    }
    long n = Long.parseLong(v.substring(0, v.length() - 1));
    return switch (v.charAt(v.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
