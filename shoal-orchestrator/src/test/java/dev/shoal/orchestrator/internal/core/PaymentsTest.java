package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.credits.Credits;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.CreditEntry;
import dev.shoal.orchestrator.internal.store.SqliteStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credit ledger through every way a paid task can end, on the real core and a SQLite file:
 * the hold, the payment to whoever ran it, refunds on failure, cancel and expiry, a refused
 * overdraft, and a restart. After every step the books balance: in memory, in the store, and the
 * two agree.
 */
class PaymentsTest {

  private static final String ALICE = "palice";
  private static final Actor AS_ALICE = new Actor(ALICE, "kalice");

  @TempDir Path dir;
  private CoreHarness h;
  private Credits credits;
  /** Worker to fleet owner, as pairings would say. */
  private final Map<String, String> pairings = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    open();
    credits.grant(ALICE, 100, new Actor("", "kadmin")).get(5, TimeUnit.SECONDS);
    assertBooks();
  }

  private void open() {
    h = new CoreHarness(new SqliteStore(dir.resolve("shoal.db"), false));
    credits = new Credits(h.store, h.core, h.clock, worker -> Optional.ofNullable(pairings.get(worker)));
    h.core.usePayments(credits);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /** The books balance in memory and in the store, and the two agree. */
  private void assertBooks() throws Exception {
    h.settle();
    assertThat(credits.total()).isZero();
    Map<String, Long> stored = h.store.creditBalances();
    assertThat(stored.values().stream().mapToLong(Long::longValue).sum()).isZero();
    stored.forEach((account, balance) -> assertThat(credits.balance(account)).as(account).isEqualTo(balance));
  }

  private String publish(long payment, int maxAttempts, long deadlineMs) throws Exception {
    return h.submit(CoreHarness.addJob(1, maxAttempts, 10_000, deadlineMs).by(AS_ALICE).paying(payment));
  }

  @Test
  void anAcceptedResultPaysWhoeverRanIt() throws Exception {
    CoreHarness.FakeWorker w = h.worker("w", 1);
    String job = publish(30, 1, 0);
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(70);
    assertThat(credits.held(ALICE)).isEqualTo(30);
    assertBooks();

    TaskDescriptor t = w.dispatches().getFirst();
    w.accept(t);
    w.succeed(t);
    h.settle();
    assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.SUCCEEDED);
    // The worker is not paired with a fleet owner: it is paid itself.
    assertThat(credits.balance("worker:" + w.peerId())).isEqualTo(30);
    assertThat(credits.held(ALICE)).isZero();
    assertBooks();
    assertThat(h.store.credits("", 0, 10)).extracting(CreditEntry::reason).containsExactly("grant", "hold", "pay");

    // Paired with a fleet owner: the owner is paid.
    pairings.put(w.peerId(), "pfleet");
    publish(15, 1, 0);
    TaskDescriptor second = w.dispatches().getFirst();
    w.accept(second);
    w.succeed(second);
    h.settle();
    assertThat(credits.balance("fleet:pfleet")).isEqualTo(15);
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(55);
    assertBooks();
  }

  @Test
  void failureCancelAndExpiryRefund() throws Exception {
    CoreHarness.FakeWorker w = h.worker("w", 1);
    publish(10, 1, 0);
    TaskDescriptor t = w.dispatches().getFirst();
    w.accept(t);
    w.result(t.getAttempt(), dev.shoal.protocol.v1.ResultStatus.RESULT_STATUS_FAILED);
    h.settle();
    assertThat(credits.balance(Credits.client(ALICE))).as("failed: refunded").isEqualTo(100);
    assertBooks();

    String cancelled = publish(20, 1, 0);
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(80);
    h.core.cancel(cancelled, AS_ALICE).get(5, TimeUnit.SECONDS);
    assertThat(credits.balance(Credits.client(ALICE))).as("cancelled: refunded").isEqualTo(100);
    assertBooks();

    w.close(io.grpc.Status.CANCELLED);
    publish(40, 1, 5_000);
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(60);
    h.advance(6_000);
    h.settle();
    assertThat(credits.balance(Credits.client(ALICE))).as("expired: refunded").isEqualTo(100);
    assertBooks();
  }

  @Test
  void aPaymentBeyondTheBalanceIsRefusedAndChangesNothing() throws Exception {
    long entries = h.store.lastCreditSeq();
    assertThatThrownBy(() -> publish(101, 1, 0))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TaskPayments.InsufficientCredits.class)
        .hasMessageContaining("has 100");
    h.settle();
    assertThat(h.store.lastCreditSeq()).isEqualTo(entries);
    assertThat(h.store.unfinishedJobs()).isEmpty();
    assertBooks();
  }

  @Test
  void aRestartRebuildsTheSameBooksAndSettlesAnEscrowWhoseTaskEnded() throws Exception {
    publish(25, 1, 0);
    assertBooks();
    Map<String, Long> before = h.store.creditBalances();
    h.close();
    open();
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(75);
    assertThat(credits.held(ALICE)).isEqualTo(25);
    before.forEach((account, balance) -> assertThat(credits.balance(account)).isEqualTo(balance));

    // A task that ended with its escrow still open (its settlement lost to a split batch): settled at start.
    String job = h.store.unfinishedJobs().getFirst().id();
    h.store.apply(List.of(
        new StoreWrite.SetTaskState(job, "t0", TaskState.CANCELLED, 0, 0, "cancelled", null, null, 1, null),
        new StoreWrite.SetJobState(job, dev.shoal.orchestrator.internal.store.JobState.CANCELLED, 1, "cancelled")));
    h.close();
    open();
    assertThat(credits.reconcile().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(credits.balance(Credits.client(ALICE))).isEqualTo(100);
    assertThat(credits.held(ALICE)).isZero();
    assertBooks();
  }
}
