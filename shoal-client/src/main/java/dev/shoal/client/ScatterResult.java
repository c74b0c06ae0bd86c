package dev.shoal.client;

/**
 * The outcome of one task of a scatter, at its {@code index} in the submitted list: a result, or
 * the error of its last try (never thrown). {@code peerId} is the worker that finally served or
 * failed it (null if no worker was tried); {@code tries} counts the workers it was sent to.
 */
public record ScatterResult(int index, Status status, TaskResult result, ShoalException error, String peerId, int tries) {

  public enum Status {
    SUCCESS,
    FAILED
  }

  public static ScatterResult success(int index, TaskResult result, String peerId, int tries) {
    return new ScatterResult(index, Status.SUCCESS, result, null, peerId, tries);
  }

  public static ScatterResult failed(int index, ShoalException error, String peerId, int tries) {
    return new ScatterResult(index, Status.FAILED, null, error, peerId, tries);
  }

  public boolean succeeded() {
    return status == Status.SUCCESS;
  }
}
