package dev.shoal.worker.internal.exec;

import dev.shoal.protocol.v1.RejectReason;

/** A task refused at admission, with the protocol's reason and a message for the orchestrator. */
public final class Rejection extends Exception {

  private final RejectReason reason;

  public Rejection(RejectReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  static Rejection badInput(String message) {
    return new Rejection(RejectReason.REJECT_REASON_BAD_INPUT, message);
  }

  static Rejection unsupported(String message) {
    return new Rejection(RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, message);
  }

  public RejectReason reason() {
    return reason;
  }
}
