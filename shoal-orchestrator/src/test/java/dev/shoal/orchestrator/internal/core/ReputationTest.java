package dev.shoal.orchestrator.internal.core;

import static dev.shoal.orchestrator.internal.core.LifecycleTest.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.orchestrator.internal.reputation.ReputationPolicy;
import dev.shoal.orchestrator.internal.reputation.Reputations;
import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.SqliteStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.LedgerEntry;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reputation from validation outcomes, the signed ledger behind it, quarantine and trust. */
class ReputationTest {

  private static final long COOL_OFF = ReputationPolicy.DEFAULT.coolOffMillis();

  @Test
  void twoWrongResultsQuarantineAWorkerAndTheMeshGoesOnWithoutIt() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker liar = h.worker("liar", 1);
      String job = h.submit(CoreHarness.addJob(3, 3, 60_000, 0));
      liar.lie(only(liar.dispatches()), 0.5f);
      h.advance(1_000);
      liar.lie(only(liar.dispatches()), 0.5f);
      Standing s = h.core.standing(liar.peerId()).get().standing();
      assertThat(s.quarantined()).isTrue();
      assertThat(s.quarantineReason()).contains("invalid_result").contains("threshold");
      assertThat(s.counts()).containsEntry("invalid_result", 2).containsEntry("quarantined", 1);
      // Work handed out before the verdict stays with it; nothing new goes out after.
      List<TaskDescriptor> inFlight = liar.dispatches();
      assertThat(inFlight).hasSizeLessThanOrEqualTo(1);
      h.advance(5_000);
      assertThat(liar.dispatches()).as("a quarantined worker is sent nothing").isEmpty();
      inFlight.forEach(liar::succeed);

      FakeWorker honest = h.worker("honest", 3);
      honest.dispatches().forEach(honest::succeed);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(dev.shoal.orchestrator.internal.store.JobState.SUCCEEDED);
      assertThat(h.core.workers().get())
          .filteredOn(w -> w.descriptor().getPeerId().equals(liar.peerId()))
          .singleElement()
          .satisfies(w -> assertThat(w.standing().quarantined()).isTrue());
      assertThat(h.core.verifyLedger().get().ok()).isTrue();
    }
  }

  @Test
  void aQuarantineEndsAfterItsCoolOffOnProbationOrWhenAnAdminLiftsIt() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker liar = h.worker("liar", 1);
      h.submit(CoreHarness.addJob(4, 10, 600_000, 0));
      liar.lie(only(liar.dispatches()), 0.5f);
      h.advance(1_000);
      liar.lie(only(liar.dispatches()), 0.5f);
      assertThat(h.core.standing(liar.peerId()).get().standing().quarantined()).isTrue();

      h.advance(COOL_OFF);
      Standing released = h.core.standing(liar.peerId()).get().standing();
      assertThat(released.quarantined()).isFalse();
      assertThat(released.score()).as("on probation").isCloseTo(-3, within(0.01));
      TaskDescriptor again = only(liar.dispatches());
      liar.lie(again, 0.5f);
      assertThat(h.core.standing(liar.peerId()).get().standing().quarantined()).as("one more lie").isTrue();

      assertThat(h.core.liftQuarantine(liar.peerId()).get()).isTrue();
      assertThat(h.core.liftQuarantine(liar.peerId()).get()).as("nothing left to lift").isFalse();
      assertThat(h.core.standing(liar.peerId()).get().standing().counts()).containsEntry(Reputations.LIFTED, 1);
      h.advance(1_000);
      assertThat(liar.dispatches()).as("back in the pool").hasSize(1);
    }
  }

  @Test
  void validResultsAreCreditedOncePerSweepAndDecay() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w", 4);
      h.submit(CoreHarness.addJob(4, 3, 60_000, 0));
      w.dispatches().forEach(w::succeed);
      h.advance(CoreHarness.HEARTBEAT);
      h.settle();
      List<LedgerEntry> entries = h.core.ledger(w.peerId(), 0, 100).get();
      assertThat(entries).singleElement().satisfies(e -> {
        assertThat(e.kind()).isEqualTo("validated");
        assertThat(e.score()).isCloseTo(4 * 0.02, within(1e-9));
        assertThat(e.comment()).isEqualTo("4 valid results");
      });
      double before = h.core.standing(w.peerId()).get().standing().score();
      h.advance(ReputationPolicy.DEFAULT.halfLifeMillis());
      assertThat(h.core.standing(w.peerId()).get().standing().score()).isCloseTo(before / 2, within(1e-6));
    }
  }

  @Test
  void clientRatingsCountLittleAndCannotQuarantineAWorkerQuickly() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w", 1);
      KeyPair client = Ed25519.generate();
      for (int i = 0; i < 5; i++) {
        h.core.rate(LedgerEntry.sign(client, w.peerId(), Reputations.RATING, -1, "bad " + i, h.clock.millis())).get();
      }
      Standing s = h.core.standing(w.peerId()).get().standing();
      assertThat(s.score()).isCloseTo(-2.5, within(0.01));
      assertThat(s.quarantined()).isFalse();
      assertThat(s.counts()).containsEntry("rating", 5);
    }
  }

  @Test
  void ratingsOfStrangersStaleRatingsAndRepeatsAreRefused() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w", 1);
      KeyPair client = Ed25519.generate();
      String stranger = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));
      LedgerEntry ok = LedgerEntry.sign(client, w.peerId(), Reputations.RATING, 1, "fast", h.clock.millis());
      h.core.rate(ok).get();
      assertThatThrownBy(() -> h.core.rate(ok).get()).hasCauseInstanceOf(JobService.Refused.class).hasMessageContaining("already recorded");
      assertThatThrownBy(() -> h.core.rate(LedgerEntry.sign(client, stranger, Reputations.RATING, 1, "", h.clock.millis())).get())
          .hasMessageContaining("has ever connected here");
      assertThatThrownBy(
              () -> h.core.rate(LedgerEntry.sign(client, w.peerId(), Reputations.RATING, 1, "", h.clock.millis() - 700_000)).get())
          .hasMessageContaining("10 minutes");
      assertThat(h.core.ledger(null, 0, 100).get()).hasSize(1);
    }
  }

  @Test
  void aLongGoodRecordBuysNoRoomForLies() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w", 1);
      h.submit(CoreHarness.addJob(300, 3, 60_000, 0));
      for (int i = 0; i < 300; i++) {
        w.succeed(only(w.dispatches()));
      }
      h.advance(CoreHarness.HEARTBEAT);
      assertThat(h.core.standing(w.peerId()).get().standing().score()).as("capped").isLessThanOrEqualTo(1.5);
      h.submit(CoreHarness.addJob(2, 3, 60_000, 0));
      w.lie(only(w.dispatches()), 0.5f);
      h.advance(1_000);
      w.lie(only(w.dispatches()), 0.5f);
      assertThat(h.core.standing(w.peerId()).get().standing().quarantined()).isTrue();
    }
  }

  @Test
  void aTrustedWorkerGetsLighterValidationButItsResultsAreStillChecked() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker trusted = h.worker("trusted", 1);
      h.core.setTrusted(trusted.peerId(), true).get();
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      trusted.succeed(only(trusted.dispatches()));
      h.settle();
      List<Acceptance.Entry> checks = h.task(job, "t0").acceptance().checks();
      assertThat(checks).filteredOn(c -> c.method().equals("sampled_recompute")).singleElement()
          .satisfies(c -> assertThat(c.samples()).isLessThanOrEqualTo(8));
      assertThat(h.core.workers().get().getFirst().trusted()).isTrue();
      assertThat(h.store.trustedPeers()).containsExactly(trusted.peerId());

      String lie = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      trusted.lie(only(trusted.dispatches()), 0.5f);
      assertThat(h.task(lie, "t0").attempts().getFirst().detail()).as("trust is no free pass").startsWith("invalid");
    }
  }

  @Test
  void reputationAndQuarantinesAreRebuiltFromTheStoredLedgerAfterARestart(@TempDir Path dir) throws Exception {
    StateStore store = new SqliteStore(dir.resolve("shoal.db"), false);
    String liarId;
    try (CoreHarness before = new CoreHarness(new ForwardingStore(store))) {
      FakeWorker liar = before.worker("liar", 1);
      liarId = liar.peerId();
      before.submit(CoreHarness.addJob(2, 3, 60_000, 0));
      liar.lie(only(liar.dispatches()), 0.5f);
      before.advance(1_000);
      liar.lie(only(liar.dispatches()), 0.5f);
      before.core.setTrusted(PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic())), true).get();
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(new ForwardingStore(store))) {
      Standing s = after.core.standing(liarId).get().standing();
      assertThat(s.quarantined()).isTrue();
      assertThat(s.counts()).containsEntry("invalid_result", 2);
      assertThat(after.core.verifyLedger().get().ok()).isTrue();
      assertThat(after.store.trustedPeers()).hasSize(1);
    }
    // Someone edits history in the file: the chain check finds the entry.
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("shoal.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE ledger SET comment = 'all good' WHERE seq = 1");
    }
    try (CoreHarness tampered = new CoreHarness(new ForwardingStore(store))) {
      LedgerEntry.ChainCheck check = tampered.core.verifyLedger().get();
      assertThat(check.ok()).isFalse();
      assertThat(check.firstBadSeq()).isEqualTo(1);
      assertThat(check.reason()).contains("signature");
    }
    store.close();
  }

  @Test
  void scoresDecayWithTheHalfLifeAndReplayGivesTheSameStanding() {
    KeyPair orchestrator = Ed25519.generate();
    String peer = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));
    ReputationPolicy policy = ReputationPolicy.DEFAULT;
    List<LedgerEntry> entries =
        List.of(
            LedgerEntry.sign(orchestrator, peer, "invalid_result", -3, "", 1_000),
            LedgerEntry.sign(orchestrator, peer, "validated", 1, "", 1_000 + policy.halfLifeMillis()),
            LedgerEntry.sign(orchestrator, peer, "bad_signature", -4, "", 2_000 + policy.halfLifeMillis()));
    Reputations live = new Reputations(policy, Ed25519.rawPublicKey(orchestrator.getPublic()));
    boolean quarantine = false;
    for (LedgerEntry e : entries) {
      quarantine = live.apply(e);
    }
    // -3 halves to -1.5, +1 gives -0.5, then -4: -4.5 (barely decayed) is above the -6 threshold.
    Standing s = live.standing(peer, 2_000 + policy.halfLifeMillis());
    assertThat(s.score()).isCloseTo(-4.5, within(0.01));
    assertThat(quarantine).isFalse();
    Reputations replayed = new Reputations(policy, Ed25519.rawPublicKey(orchestrator.getPublic()));
    entries.forEach(replayed::apply);
    assertThat(replayed.standing(peer, 5_000_000)).isEqualTo(live.standing(peer, 5_000_000));
  }
}
