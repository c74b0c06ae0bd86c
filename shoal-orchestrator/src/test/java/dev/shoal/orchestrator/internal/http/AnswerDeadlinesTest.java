package dev.shoal.orchestrator.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A waiting client's answer ends with task_timed_out once every attempt could have timed out, plus the grace. */
class AnswerDeadlinesTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AnswerDeadlines deadlines = new AnswerDeadlines(nanos::get);

  @AfterEach
  void stop() {
    deadlines.close();
  }

  /** Records how it ended. */
  static final class Recorded extends Answer {
    final List<ApiException> failures = new ArrayList<>();
    final List<TaskStatus> successes = new ArrayList<>();

    Recorded() {
      super(new com.fasterxml.jackson.databind.ObjectMapper(), "j1.t", () -> {});
    }

    @Override
    protected void succeed(TaskStatus status) {
      successes.add(status);
    }

    @Override
    protected void fail(ApiException e) {
      failures.add(e);
    }
  }

  @Test
  void anAnswerOutlivingItsAttemptsAndTheGraceTimesOutAndCancelsItsTaskOnce() {
    Recorded answer = new Recorded();
    AtomicInteger cancels = new AtomicInteger();
    // Two attempts of 1 s each: the client waits 2 s plus the grace.
    PlannedTask task = new PlannedTask("t", TaskDescriptor.newBuilder().setTimeoutMs(1_000).build(), 2, List.of(), AcceptancePolicy.FIRST_VALID);
    deadlines.watch(answer, task, cancels::incrementAndGet);

    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(2_000 + AnswerDeadlines.GRACE_MILLIS - 1));
    deadlines.sweep();
    assertThat(answer.failures).isEmpty();
    assertThat(cancels).hasValue(0);

    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    deadlines.sweep();
    deadlines.sweep();
    assertThat(answer.failures).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo(ApiException.Code.TASK_TIMED_OUT);
      assertThat(e.getMessage()).contains("j1.t");
    });
    assertThat(cancels).hasValue(1);
  }

  @Test
  void anAnswerThatEndedFirstIsNotTimedOut() {
    Recorded answer = new Recorded();
    AtomicInteger cancels = new AtomicInteger();
    deadlines.watch(answer, new PlannedTask("t", TaskDescriptor.newBuilder().setTimeoutMs(10).build(), 1, List.of(), AcceptancePolicy.FIRST_VALID), cancels::incrementAndGet);

    answer.finished(new TaskStatus(
        "j1", "t", 0, "llm.chat@1", TaskState.SUCCEEDED, 0, 1, null, List.of(), null, "first_valid", null, List.of()));
    nanos.addAndGet(TimeUnit.HOURS.toNanos(1));
    deadlines.sweep();

    assertThat(answer.successes).hasSize(1);
    assertThat(answer.failures).isEmpty();
    assertThat(cancels).hasValue(0);
  }
}
