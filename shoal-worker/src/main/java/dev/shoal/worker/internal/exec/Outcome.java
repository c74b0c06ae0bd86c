package dev.shoal.worker.internal.exec;

import dev.shoal.protocol.v1.Value;
import java.util.List;

/** How a job ended, when it ended on its own (not cancelled or timed out). */
public sealed interface Outcome {

  /** Finished: the outputs, and a note for the result's diagnostics (empty if none). */
  record Ok(List<Value> outputs, String note) implements Outcome {
    public Ok {
      outputs = List.copyOf(outputs);
    }
  }

  /** Failed: the protocol's {@code error_kind} ({@code execution}, {@code internal}, ...) and why. */
  record Failed(String errorKind, String message) implements Outcome {}

  /** The program or the server behind it failed: {@code error_kind} {@code execution}. */
  static Failed execution(String message) {
    return new Failed("execution", message);
  }
}
