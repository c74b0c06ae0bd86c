package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ConflictException;
import dev.shoal.client.ConnectionException;
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
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Maps error responses and transport failures onto the exception hierarchy: one envelope code to
 * one type (API.md's table), so a caller can catch exactly what it can handle.
 */
public final class Errors {

  private Errors() {}

  /**
   * The exception for a non-2xx response: its envelope's code, message and task when the body is
   * the envelope, otherwise a code chosen by the status (a proxy's page, say). The task is named
   * by the envelope's {@code task}, or by the {@code Shoal-Task-Id} header the task routes send.
   */
  public static ShoalException fromResponse(
      ObjectMapper mapper, int status, String retryAfterHeader, String taskIdHeader, byte[] body, Clock clock) {
    Duration retryAfter = retryAfterHeader == null ? null : retryAfter(retryAfterHeader, clock);
    try {
      JsonNode root = mapper.readTree(body);
      JsonNode error = root == null ? null : root.path("error");
      if (error != null && error.path("code").isTextual()) {
        String task =
            error.path("task").isTextual()
                ? error.path("task").textValue()
                : root.path("task").isTextual() ? root.path("task").textValue() : taskIdHeader;
        return of(error.path("code").textValue(), status, error.path("message").asText(""), retryAfter, task);
      }
    } catch (IOException | RuntimeException e) {
      // Not our envelope: fall back on the status below.
    }
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
    return of(codeFor(status), status, "HTTP " + status + (text.isEmpty() ? "" : ": " + text), retryAfter, null);
  }

  /** The exception for an envelope code; unknown codes become a plain {@link ShoalException}. */
  public static ShoalException of(String code, int status, String message, Duration retryAfter, String taskId) {
    return switch (code) {
      case "invalid_argument" -> new InvalidArgumentException(code, status, message, retryAfter, null);
      case "unauthenticated" -> new UnauthenticatedException(code, status, message, retryAfter, null);
      case "insufficient_credits" -> new InsufficientCreditsException(code, status, message, retryAfter, null);
      case "permission_denied" -> new PermissionDeniedException(code, status, message, retryAfter, null);
      case "not_found" -> new NotFoundException(code, status, message, retryAfter, null);
      case "worker_not_found" -> new WorkerNotFoundException(code, status, message, retryAfter, null);
      case "model_not_found" -> new ModelNotFoundException(code, status, message, retryAfter, null);
      case "conflict", "not_finished", "cancelled" -> new ConflictException(code, status, message, retryAfter, null);
      case "events_gone" -> new EventsGoneException(code, status, message, retryAfter, null);
      case "payload_too_large" -> new PayloadTooLargeException(code, status, message, retryAfter, null);
      case "range_not_satisfiable" -> new RangeNotSatisfiableException(code, status, message, retryAfter, null);
      case "rate_limited" -> new RateLimitedException(code, status, message, retryAfter, null);
      case "task_failed" -> new TaskFailedException(code, status, message, retryAfter, null, taskId);
      case "mesh_overloaded" -> new MeshOverloadedException(code, status, message, retryAfter, null);
      case "unavailable" -> new UnavailableException(code, status, message, retryAfter, null);
      case "task_timed_out" -> new TaskTimedOutException(code, status, message, retryAfter, null, taskId);
      default -> new ShoalException(code, status, message, false, retryAfter, null);
    };
  }

  /** The status API.md gives a code; used for errors that arrive inside a stream, with no status of their own. */
  public static int statusFor(String code) {
    return switch (code) {
      case "invalid_argument" -> 400;
      case "unauthenticated" -> 401;
      case "insufficient_credits" -> 402;
      case "permission_denied" -> 403;
      case "not_found", "worker_not_found", "model_not_found" -> 404;
      case "conflict", "not_finished", "cancelled" -> 409;
      case "events_gone" -> 410;
      case "payload_too_large" -> 413;
      case "range_not_satisfiable" -> 416;
      case "rate_limited" -> 429;
      case "task_failed" -> 502;
      case "mesh_overloaded", "unavailable" -> 503;
      case "task_timed_out" -> 504;
      default -> 500;
    };
  }

  /** A failure to reach the orchestrator or to read its answer, named by what was being done. */
  public static ConnectionException transport(String what, Throwable cause) {
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    String message =
        switch (cause) {
          case HttpTimeoutException t -> "no answer from the orchestrator in time (" + what + "): " + why;
          case ConnectException c -> "cannot reach the orchestrator (" + what + "): " + why;
          default -> "the connection to the orchestrator failed (" + what + "): " + why;
        };
    return new ConnectionException(message, cause);
  }

  /** The calling thread was interrupted while it waited; its interrupt flag is set again. */
  public static ShoalException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    return new ShoalException("interrupted", 0, "interrupted while waiting for the orchestrator", false, null, e);
  }

  /**
   * What a failed future or a thrown exception means to a caller: the {@link ShoalException} in
   * its cause chain if there is one (a body subscriber's, a decoder's), else a transport failure.
   */
  public static ShoalException failure(String what, Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ShoalException s) {
        return s;
      }
    }
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return transport(what, t);
  }

  private static String codeFor(int status) {
    return switch (status) {
      case 400 -> "invalid_argument";
      case 401 -> "unauthenticated";
      case 403 -> "permission_denied";
      case 404 -> "not_found";
      case 409 -> "conflict";
      case 413 -> "payload_too_large";
      case 416 -> "range_not_satisfiable";
      case 429 -> "rate_limited";
      // A proxy's 502/503/504 says nothing about the task: the orchestrator's own come with the envelope.
      case 502, 503, 504 -> "unavailable";
      default -> "internal";
    };
  }

  /** {@code Retry-After} as seconds or as an HTTP date; null when it is neither. */
  static Duration retryAfter(String header, Clock clock) {
    String v = header.trim();
    try {
      long s = Long.parseLong(v);
      return s >= 0 ? Duration.ofSeconds(s) : null;
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }
}
