package dev.shoal.client;

import java.time.Duration;

/** No connected worker matches the {@code model} asked for, in any tier ({@code model_not_found}, 404). */
public class ModelNotFoundException extends NotFoundException {
  public ModelNotFoundException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, retryAfter, cause);
  }
}
