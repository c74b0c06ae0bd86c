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
     * Begins the job's I/O on the transport thread, before the attempt is handed to a task
     * thread, so that hand-over overlaps the work instead of preceding it. Must not block (the
     * LLM executor sends its request asynchronously here, and relays streamed tokens to {@code
     * chunks} from its HTTP client's thread as they arrive). {@link #run} follows with the same
     * arguments, or {@link #abandon} if the attempt ends before it runs.
     */
    default void start(ChunkSink chunks, long outputBudget) {}

    /** The attempt ended before {@link #run}: stop what {@link #start} began. */
    default void abandon() {}

    /**
     * After {@link #start}: the outcome, if this job delivers it without a task thread (then
     * {@link #run} is not called). Completed on whatever thread finishes the work; cancelling it
     * stops the job as an interrupt would. Empty for jobs that need {@link #run}.
     */
    default java.util.Optional<java.util.concurrent.CompletableFuture<Outcome>> outcome() {
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
