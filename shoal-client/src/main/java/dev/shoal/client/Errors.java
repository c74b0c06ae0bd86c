package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Maps error responses and transport failures onto the exception hierarchy, one code to one type. */
final class Errors {

  private Errors() {}

  static ShoalException fromResponse(ObjectMapper mapper, HttpResponse<byte[]> resp) {
    int status = resp.statusCode();
    Duration retryAfter =
        resp.headers().firstValue("Retry-After").flatMap(Errors::seconds).orElse(null);
    String code = null;
    String message = null;
    try {
      JsonNode error = mapper.readTree(resp.body()).path("error");
      if (error.path("code").isTextual()) {
        code = error.path("code").textValue();
        message = error.path("message").asText("");
      }
    } catch (IOException | RuntimeException e) {
      // Not our envelope (a proxy's page, say): fall back on the status below.
    }
    if (code == null) {
      code = codeFor(status);
      String body = new String(resp.body(), 0, Math.min(resp.body().length, 200), StandardCharsets.UTF_8);
      message = "HTTP " + status + (body.isBlank() ? "" : ": " + body.strip());
    }
    return of(code, status, message, retryAfter, null);
  }

  static ShoalException transport(HttpRequest req, Throwable cause) {
    String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new UnavailableException(
        "unavailable", 0, "cannot reach the orchestrator (" + req.method() + " " + req.uri() + "): " + what, null, cause);
  }

  static ShoalException of(String code, int status, String message, Duration retryAfter, Throwable cause) {
    return switch (code) {
      case "invalid_argument" -> new InvalidArgumentException(code, status, message, retryAfter, cause);
      case "unauthenticated" -> new UnauthenticatedException(code, status, message, retryAfter, cause);
      case "permission_denied" -> new PermissionDeniedException(code, status, message, retryAfter, cause);
      case "not_found" -> new NotFoundException(code, status, message, retryAfter, cause);
      case "conflict", "not_finished" -> new ConflictException(code, status, message, retryAfter, cause);
      case "payload_too_large" -> new PayloadTooLargeException(code, status, message, retryAfter, cause);
      case "rate_limited" -> new RateLimitedException(code, status, message, retryAfter, cause);
      case "unavailable" -> new UnavailableException(code, status, message, retryAfter, cause);
      default -> new ShoalException(code, status, message, false, retryAfter, cause);
    };
  }

  private static String codeFor(int status) {
    return switch (status) {
      case 400 -> "invalid_argument";
      case 401 -> "unauthenticated";
      case 403 -> "permission_denied";
      case 404 -> "not_found";
      case 409 -> "conflict";
      case 413 -> "payload_too_large";
      case 429 -> "rate_limited";
      case 502, 503, 504 -> "unavailable";
      default -> "internal";
    };
  }

  private static java.util.Optional<Duration> seconds(String header) {
    try {
      long s = Long.parseLong(header.trim());
      return s >= 0 ? java.util.Optional.of(Duration.ofSeconds(s)) : java.util.Optional.empty();
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }
}
