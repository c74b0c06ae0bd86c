package dev.shoal.protocol;

import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.ProtocolError;

/** A received message broke the protocol; it was not applied. Carries the wire error code. */
public final class ProtocolViolation extends Exception {

  private final ErrorCode code;

  public ProtocolViolation(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** The wire form, naming the refused message. */
  public ProtocolError toError(String subject) {
    return ProtocolError.newBuilder()
        .setCode(code)
        .setMessage(getMessage())
        .setSubject(subject)
        .build();
  }
}
