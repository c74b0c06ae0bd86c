package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerEntryTest {

  private static final KeyPair ORCHESTRATOR = Ed25519.generate();
  private static final KeyPair CLIENT = Ed25519.generate();
  private static final String WORKER = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));

  /** Appends statements the way the orchestrator does: each links to the previous entry's hash. */
  private static List<LedgerEntry> chain(LedgerEntry... statements) {
    List<LedgerEntry> out = new ArrayList<>();
    byte[] prev = LedgerEntry.GENESIS;
    long seq = 0;
    for (LedgerEntry s : statements) {
      LedgerEntry placed = s.at(++seq, prev);
      out.add(placed);
      prev = placed.hash();
    }
    return out;
  }

  private static List<LedgerEntry> sample() {
    return chain(
        LedgerEntry.sign(ORCHESTRATOR, WORKER, "validated", 0.5, "10 results", 1_000),
        LedgerEntry.sign(CLIENT, WORKER, "rating", -1, "slow and wrong", 2_000),
        LedgerEntry.sign(ORCHESTRATOR, WORKER, "invalid_result", -3, "freivalds: row 3", 3_000));
  }

  @Test
  void anIntactChainVerifies() {
    List<LedgerEntry> entries = sample();
    LedgerEntry.ChainCheck check = LedgerEntry.verifyChain(entries, 0, LedgerEntry.GENESIS);
    assertThat(check.ok()).isTrue();
    assertThat(check.entries()).isEqualTo(3);
    assertThat(check.headHash()).isEqualTo(entries.getLast().hash());
    assertThat(LedgerEntry.verifyChain(entries.subList(1, 3), 1, entries.getFirst().hash()).ok())
        .as("a page verifies from the entry before it")
        .isTrue();
  }

  @Test
  void changingWhatAnAuthorSaidBreaksItsSignature() {
    LedgerEntry e = sample().get(1);
    List<LedgerEntry> forged =
        List.of(
            new LedgerEntry(e.seq(), e.prevHash(), e.at(), e.author(), e.subject(), e.kind(), 1, e.comment(), e.signature()),
            new LedgerEntry(e.seq(), e.prevHash(), e.at(), e.author(), e.subject(), e.kind(), e.score(), "great", e.signature()),
            new LedgerEntry(e.seq(), e.prevHash(), e.at() + 1, e.author(), e.subject(), e.kind(), e.score(), e.comment(), e.signature()),
            new LedgerEntry(e.seq(), e.prevHash(), e.at(), e.author(), e.subject(), "validated", e.score(), e.comment(), e.signature()),
            new LedgerEntry(
                e.seq(), e.prevHash(), e.at(), Ed25519.rawPublicKey(ORCHESTRATOR.getPublic()), e.subject(), e.kind(), e.score(),
                e.comment(), e.signature()));
    for (LedgerEntry f : forged) {
      assertThat(f.signatureValid()).as("%s", f).isFalse();
    }
    assertThat(e.signatureValid()).isTrue();
  }

  @Test
  void removingInsertingOrReorderingEntriesBreaksTheChain() {
    List<LedgerEntry> entries = sample();
    List<LedgerEntry> removed = List.of(entries.get(0), entries.get(2));
    assertThat(LedgerEntry.verifyChain(removed, 0, LedgerEntry.GENESIS))
        .satisfies(c -> {
          assertThat(c.ok()).isFalse();
          assertThat(c.firstBadSeq()).isEqualTo(3);
          assertThat(c.reason()).contains("expected seq 2");
        });
    List<LedgerEntry> swapped = List.of(entries.get(1), entries.get(0), entries.get(2));
    assertThat(LedgerEntry.verifyChain(swapped, 0, LedgerEntry.GENESIS).ok()).isFalse();
    // Renumbering after a removal does not help: the links no longer match.
    List<LedgerEntry> renumbered = List.of(entries.get(0), entries.get(2).at(2, entries.get(2).prevHash()));
    assertThat(LedgerEntry.verifyChain(renumbered, 0, LedgerEntry.GENESIS).reason()).contains("previous hash");
    // Re-linking requires rewriting every later entry, and a checkpoint of the head catches that.
    List<LedgerEntry> relinked = chain(entries.get(0), entries.get(2));
    assertThat(LedgerEntry.verifyChain(relinked, 0, LedgerEntry.GENESIS).headHash()).isNotEqualTo(entries.getLast().hash());
  }

  @Test
  void badShapesAreRefusedBeforeSigning() {
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, "not-a-peer", "rating", 1, "", 1))
        .hasMessageContaining("subject");
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, WORKER, "Rating!", 1, "", 1)).hasMessageContaining("kind");
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, WORKER, "rating", Double.NaN, "", 1)).hasMessageContaining("score");
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, WORKER, "rating", 11, "", 1)).hasMessageContaining("score");
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, WORKER, "rating", 1, "é".repeat(513), 1))
        .hasMessageContaining("1024 bytes");
    assertThatThrownBy(() -> LedgerEntry.sign(CLIENT, WORKER, "rating", 1, "", 0)).hasMessageContaining("at");
  }

  @Test
  void entriesAreValuesDespiteTheirArrays() {
    LedgerEntry a = sample().get(0);
    LedgerEntry b = a.at(a.seq(), a.prevHash().clone());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    byte[] mutable = a.author();
    mutable[0] ^= 1;
    assertThat(a.signatureValid()).as("the record keeps its own copy").isTrue();
  }
}
