package dev.shoal.worker.internal.exec;

import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.Set;

/**
 * Runs operators that are programs rather than tensor arithmetic (PROTOCOL.md "Operators beyond
 * tensors"): a model behind an OpenAI-compatible server, an allowlisted command. The task runner
 * keeps what is common to every attempt (admission order, slots, timeouts, one outcome, signing);
 * an executor only checks a task and runs it. Implementations are thread-safe.
 */
public interface TaskExecutor extends AutoCloseable {

  /** The operators it runs, advertised in the worker's Hello. */
  Set<OperatorId> operators();

  /**
   * Checks a task at admission and prepares it. Runs on the transport thread, so it parses and
   * checks only: no I/O.
   *
   * @throws Rejection with the protocol's reason ({@code UNSUPPORTED_OPERATOR} for a model or
   *     command it does not have, {@code BAD_INPUT} for inputs or attributes it cannot use)
   */
  Job admit(TaskDescriptor task) throws Rejection;

  /** Releases what the executor holds (connections, threads); running jobs are stopped first. */
  @Override
  default void close() {}

  /** One admitted attempt's work. */
  interface Job {

    /**
     * Starts the job on the transport thread if it can run without a task thread, and returns
     * its outcome: completed on whatever thread finishes the work (the LLM executor's HTTP client
     * thread, which also relays streamed tokens to {@code chunks} as they arrive); cancelling it
     * stops the job as an interrupt would. Must not block. Empty for jobs that need {@link #run}
     * on a task thread.
     */
    default java.util.Optional<java.util.concurrent.CompletableFuture<Outcome>> start(ChunkSink chunks, long outputBudget) {
      return java.util.Optional.empty();
    }

    /**
     * Runs the attempt on a task thread and says how it ended.
     *
     * <p>Cancellation is the thread's interrupt: the task runner interrupts it when the attempt
     * is cancelled, times out, is handed back or abandoned. The job then stops everything it
     * started (aborts the HTTP exchange, kills the process tree) and throws {@link
     * InterruptedException}; whatever it would have reported is ignored by then.
     *
     * @param chunks streamed output, sent in order before the result; thread-safe
     * @param outputBudget most bytes all outputs together may hold (what one result message and
     *     the worker's {@code max_task_bytes} leave); a job that would exceed it fails
     */
    Outcome run(ChunkSink chunks, long outputBudget) throws InterruptedException;
  }
}
