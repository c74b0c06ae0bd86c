package dev.shoal.orchestrator.internal.webhooks;

/** A webhook URL that may not be called: a bad shape, or a host that is or resolves to a private address. */
public final class TargetRefusedException extends IllegalArgumentException {
  public TargetRefusedException(String message) {
    super(message);
  }
}
