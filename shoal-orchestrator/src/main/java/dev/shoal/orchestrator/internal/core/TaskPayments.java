package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import java.util.List;

/**
 * How tasks pay (the credit ledger answers): a task published with a payment has it held from its
 * client when it is accepted, in the same batch as the job itself, and paid or refunded in the
 * same batch as the state change that ends it. Called on the core's thread.
 */
public interface TaskPayments {

  /** The payer cannot cover the payment; nothing was written. */
  final class InsufficientCredits extends RuntimeException {
    public InsufficientCredits(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The writes and events that hold {@code amount} of {@code payer}'s credits for a task.
   *
   * @throws InsufficientCredits if the payer's balance is short
   */
  Journal.Entry<Void> hold(String payer, String jobId, String taskId, long amount, String actorKey);

  /** Pays what is held for a task that ended {@code SUCCEEDED} to whom ran it, or refunds it; nothing if nothing is held. */
  Journal.Entry<Void> settle(String jobId, String taskId, TaskState to, String resultPeer, String actorKey);

  /** No ledger: a payment is refused. */
  TaskPayments NONE =
      new TaskPayments() {
        @Override
        public Journal.Entry<Void> hold(String payer, String jobId, String taskId, long amount, String actorKey) {
          throw new InsufficientCredits("this orchestrator keeps no credits");
        }

        @Override
        public Journal.Entry<Void> settle(String jobId, String taskId, TaskState to, String resultPeer, String actorKey) {
          return new Journal.Entry<>(null, List.of(), List.of());
        }
      };
}
