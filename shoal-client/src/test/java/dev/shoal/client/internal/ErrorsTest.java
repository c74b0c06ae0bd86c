package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ConflictException;
import dev.shoal.client.EventsGoneException;
import dev.shoal.client.InsufficientCreditsException;
import dev.shoal.client.InvalidArgumentException;
import dev.shoal.client.MeshOverloadedException;
import dev.shoal.client.ModelNotFoundException;
import dev.shoal.client.NotFoundException;
import dev.shoal.client.PayloadTooLargeException;
import dev.shoal.client.PermissionDeniedException;
import dev.shoal.client.RangeNotSatisfiableException;
import dev.shoal.client.RateLimitedException;
import dev.shoal.client.ShoalException;
import dev.shoal.client.TaskFailedException;
import dev.shoal.client.TaskTimedOutException;
import dev.shoal.client.UnauthenticatedException;
import dev.shoal.client.UnavailableException;
import dev.shoal.client.WorkerNotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** API.md's error table, row by row, onto the exception types; and what is not the envelope. */
class ErrorsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-12-01T00:00:00Z"), ZoneOffset.UTC);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(400, "invalid_argument", InvalidArgumentException.class, false),
        Arguments.of(401, "unauthenticated", UnauthenticatedException.class, false),
        Arguments.of(402, "insufficient_credits", InsufficientCreditsException.class, false),
        Arguments.of(403, "permission_denied", PermissionDeniedException.class, false),
        Arguments.of(404, "not_found", NotFoundException.class, false),
        Arguments.of(404, "worker_not_found", WorkerNotFoundException.class, false),
        Arguments.of(404, "model_not_found", ModelNotFoundException.class, false),
        Arguments.of(409, "conflict", ConflictException.class, false),
        Arguments.of(409, "not_finished", ConflictException.class, true),
        Arguments.of(409, "cancelled", ConflictException.class, false),
        Arguments.of(410, "events_gone", EventsGoneException.class, false),
        Arguments.of(413, "payload_too_large", PayloadTooLargeException.class, false),
        Arguments.of(416, "range_not_satisfiable", RangeNotSatisfiableException.class, false),
        Arguments.of(429, "rate_limited", RateLimitedException.class, true),
        Arguments.of(502, "task_failed", TaskFailedException.class, false),
        Arguments.of(503, "mesh_overloaded", MeshOverloadedException.class, true),
        Arguments.of(503, "unavailable", UnavailableException.class, true),
        Arguments.of(504, "task_timed_out", TaskTimedOutException.class, false),
        Arguments.of(500, "internal", ShoalException.class, false),
        Arguments.of(418, "a_code_from_the_future", ShoalException.class, false));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("table")
  void everyCodeHasItsType(int status, String code, Class<? extends ShoalException> type, boolean retryable) {
    ShoalException e = response(status, "Retry-After", "{'error': {'code': '" + code + "', 'message': 'it went wrong'}}");

    assertThat(e).isExactlyInstanceOf(type).hasMessage("it went wrong");
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.status()).isEqualTo(status);
    assertThat(e.retryable()).isEqualTo(retryable);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
    if (Errors.statusFor(code) != 500) {
      assertThat(Errors.statusFor(code)).as("the status API.md gives " + code).isEqualTo(status);
    }
  }

  @Test
  void theNotFoundFamilyCanBeCaughtTogether() {
    assertThat(Errors.of("worker_not_found", 404, "", null, null)).isInstanceOf(NotFoundException.class);
    assertThat(Errors.of("model_not_found", 404, "", null, null)).isInstanceOf(NotFoundException.class);
    assertThat(((ConflictException) Errors.of("cancelled", 409, "", null, null)).cancelled()).isTrue();
  }

  @Test
  void retryAfterIsCarriedInSecondsOrAsADate() {
    assertThat(Errors.fromResponse(MAPPER, 503, "7", null, body("{'error': {'code': 'mesh_overloaded', 'message': 'full'}}"), CLOCK)
            .retryAfter())
        .contains(Duration.ofSeconds(7));
    assertThat(Errors.fromResponse(MAPPER, 429, "Mon, 01 Dec 2025 00:00:30 GMT", null, body("{}"), CLOCK).retryAfter())
        .contains(Duration.ofSeconds(30));
    assertThat(Errors.fromResponse(MAPPER, 429, "soon", null, body("{}"), CLOCK).retryAfter()).isEmpty();
    assertThat(Errors.fromResponse(MAPPER, 429, "-1", null, body("{}"), CLOCK).retryAfter()).isEmpty();
  }

  @Test
  void aFailedOrTimedOutTaskNamesItself() {
    ShoalException failed =
        response(502, null, "{'error': {'code': 'task_failed', 'message': 'every attempt failed', 'task': 'j1.t'}}");
    ShoalException timedOut = response(504, null, "{'error': {'code': 'task_timed_out', 'message': 'late'}, 'task': 'j2.t'}");

    ShoalException byHeader =
        Errors.fromResponse(
            MAPPER, 502, null, "j3.t", body("{'error': {'code': 'task_failed', 'message': 'every attempt failed'}}"), CLOCK);

    assertThat(((TaskFailedException) failed).taskId()).isEqualTo("j1.t");
    assertThat(((TaskTimedOutException) timedOut).taskId()).isEqualTo("j2.t");
    assertThat(((TaskFailedException) byHeader).taskId()).isEqualTo("j3.t");
  }

  @Test
  void answersWithoutTheEnvelopeMapByStatusAndQuoteTheBody() {
    ShoalException proxy = response(502, null, "<html>bad gateway</html>");
    ShoalException empty = response(404, null, "");
    ShoalException gatewayTimeout = response(504, null, "upstream timed out");

    assertThat(proxy).isExactlyInstanceOf(UnavailableException.class).hasMessageContaining("HTTP 502").hasMessageContaining("bad gateway");
    assertThat(empty).isExactlyInstanceOf(NotFoundException.class).hasMessage("HTTP 404");
    // A proxy's timeout says nothing about the task.
    assertThat(gatewayTimeout).isExactlyInstanceOf(UnavailableException.class);
    assertThat(response(401, null, "{\"error\": \"nope\"}")).isExactlyInstanceOf(UnauthenticatedException.class);
  }

  private static ShoalException response(int status, String retryAfter, String body) {
    return Errors.fromResponse(MAPPER, status, retryAfter == null ? null : "3", null, body(body), CLOCK);
  }

  private static byte[] body(String json) {
    return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }
}
