package dev.shoal.orchestrator.internal.lifecycle;

import static dev.shoal.orchestrator.internal.lifecycle.AttemptState.*;
import static dev.shoal.orchestrator.internal.lifecycle.TaskState.*;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The one place that says which task and attempt state changes are legal. Every change goes
 * through {@link #task} or {@link #attempt}; a change not listed here throws. Tests install an
 * observer to prove every listed transition is exercised.
 */
public final class Transitions {

  private static final Map<TaskState, Set<TaskState>> TASK = new EnumMap<>(TaskState.class);
  private static final Map<AttemptState, Set<AttemptState>> ATTEMPT = new EnumMap<>(AttemptState.class);

  static {
    // WAITING -> READY: every task it reads from was accepted. WAITING -> FAILED/CANCELLED: one of
    // them failed or was cancelled, so its input will never exist.
    TASK.put(WAITING, EnumSet.of(READY, TaskState.FAILED, TaskState.CANCELLED, EXPIRED));
    // The retry budget is spent only by attempts, so a task with its inputs fails only from
    // RUNNING or VALIDATING.
    // READY -> SUCCEEDED: a valid result waited for a spot check no other worker is left to run.
    TASK.put(READY, EnumSet.of(TaskState.RUNNING, SUCCEEDED, TaskState.CANCELLED, EXPIRED));
    // RUNNING -> READY: the last live attempt ended without a result and retries remain.
    // RUNNING -> FAILED: it ended and the budget is spent.
    // RUNNING -> SUCCEEDED: a quorum formed while surplus attempts were still live.
    TASK.put(
        TaskState.RUNNING,
        EnumSet.of(VALIDATING, READY, SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED, EXPIRED));
    // VALIDATING -> READY/FAILED: the result was invalid or results disagree, and more are needed.
    // VALIDATING -> RUNNING: more attempts went out while earlier results are still checked.
    TASK.put(
        VALIDATING,
        EnumSet.of(SUCCEEDED, READY, TaskState.RUNNING, AWAITING_CONFIRMATION, TaskState.FAILED, TaskState.CANCELLED, EXPIRED));
    TASK.put(AWAITING_CONFIRMATION, EnumSet.of(SUCCEEDED, TaskState.CANCELLED, EXPIRED));
    TASK.put(SUCCEEDED, EnumSet.noneOf(TaskState.class));
    TASK.put(TaskState.FAILED, EnumSet.noneOf(TaskState.class));
    TASK.put(TaskState.CANCELLED, EnumSet.noneOf(TaskState.class));
    TASK.put(EXPIRED, EnumSet.noneOf(TaskState.class));

    ATTEMPT.put(DISPATCHED, EnumSet.of(ACCEPTED, REJECTED, COMPLETED, AttemptState.FAILED, TIMED_OUT, LOST, AttemptState.CANCELLED, RELEASED));
    ATTEMPT.put(ACCEPTED, EnumSet.of(COMPLETED, AttemptState.FAILED, TIMED_OUT, LOST, AttemptState.CANCELLED, RELEASED));
    ATTEMPT.put(REJECTED, EnumSet.noneOf(AttemptState.class));
    ATTEMPT.put(COMPLETED, EnumSet.noneOf(AttemptState.class));
    ATTEMPT.put(AttemptState.FAILED, EnumSet.noneOf(AttemptState.class));
    ATTEMPT.put(TIMED_OUT, EnumSet.of(LATE));
    ATTEMPT.put(LOST, EnumSet.of(LATE));
    ATTEMPT.put(AttemptState.CANCELLED, EnumSet.of(LATE));
    ATTEMPT.put(RELEASED, EnumSet.noneOf(AttemptState.class));
    ATTEMPT.put(LATE, EnumSet.noneOf(AttemptState.class));
  }

  private static final Set<BiConsumer<Enum<?>, Enum<?>>> OBSERVERS = ConcurrentHashMap.newKeySet();

  private Transitions() {}

  /** Returns {@code to} if {@code from -> to} is legal for a task, else throws. */
  public static TaskState task(TaskState from, TaskState to) {
    if (!TASK.get(from).contains(to)) {
      throw new IllegalTransitionException("task", from, to);
    }
    OBSERVERS.forEach(o -> o.accept(from, to));
    return to;
  }

  /** Returns {@code to} if {@code from -> to} is legal for an attempt, else throws. */
  public static AttemptState attempt(AttemptState from, AttemptState to) {
    if (!ATTEMPT.get(from).contains(to)) {
      throw new IllegalTransitionException("attempt", from, to);
    }
    OBSERVERS.forEach(o -> o.accept(from, to));
    return to;
  }

  public static Map<TaskState, Set<TaskState>> taskTable() {
    return TASK;
  }

  public static Map<AttemptState, Set<AttemptState>> attemptTable() {
    return ATTEMPT;
  }

  /** Test hook: sees every legal transition taken in this JVM. */
  public static AutoCloseable observe(BiConsumer<Enum<?>, Enum<?>> observer) {
    OBSERVERS.add(observer);
    return () -> OBSERVERS.remove(observer);
  }
}
