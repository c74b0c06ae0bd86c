package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PairingProofs;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.PrincipalProofs;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SDK derives principal ids and signs registration and pairing proofs itself, with the JDK,
 * so it needs no protocol jar; the orchestrator checks them with {@link PeerIds}, {@link
 * PrincipalProofs} and {@link PairingProofs}. This keeps the copies in step: the same id for
 * every key tried, and proofs the protocol accepts.
 */
class PrincipalKeysTest {

  @Test
  void theIdIsThePeerIdsPrincipalIdForEveryKey() {
    Random random = new Random(20251202);
    for (int i = 0; i < 20_000; i++) {
      byte[] key = new byte[32];
      random.nextBytes(key);
      String id = PrincipalKeys.principalId(key);
      assertThat(id).isEqualTo(PeerIds.principalId(key));
      assertThat(PrincipalKeys.isPrincipalId(id)).isTrue();
    }
    for (int i = 0; i < 50; i++) {
      KeyPair k = Ed25519.generate();
      assertThat(PrincipalKeys.rawPublicKey(k.getPublic())).isEqualTo(Ed25519.rawPublicKey(k.getPublic()));
    }
    assertThatThrownBy(() -> PrincipalKeys.principalId(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theShapeOfAnIdIsJudgedAsTheOrchestratorDoes() {
    String id = PeerIds.principalId(new byte[32]);
    List<String> tried =
        List.of(id, "w" + id.substring(1), id.toUpperCase(), id + "a", id.substring(0, 32), id.substring(0, 32) + "1",
            id.substring(0, 32) + "8", "p" + "a".repeat(32), "", "p", id.substring(0, 32) + "é");
    for (String s : tried) {
      assertThat(PrincipalKeys.isPrincipalId(s)).as(s).isEqualTo(PeerIds.isPrincipalId(s));
    }
    assertThat(PrincipalKeys.isPrincipalId(null)).isFalse();
  }

  @Test
  void aProofSignedWithTheJdkVerifiesWithTheProtocolAndIsTheSameSignature() {
    Random random = new Random(7);
    String[] names = {"alice", "alice-bot", "gpu fleet: ünïcode ✓", "", "a\nb", "x".repeat(128)};
    for (int i = 0; i < 60; i++) {
      KeyPair k = Ed25519.generate();
      String kind = i % 2 == 0 ? "client" : "fleet_owner";
      String name = names[i % names.length];
      long at = random.nextLong(0, 4_000_000_000_000L);
      byte[] raw = PrincipalKeys.rawPublicKey(k.getPublic());

      byte[] signature = PrincipalKeys.sign(k.getPrivate(), PrincipalKeys.proofMessage(kind, name, at));
      assertThat(signature).hasSize(PrincipalKeys.SIGNATURE_BYTES);
      assertThat(PrincipalProofs.verify(raw, kind, name, at, signature)).as("%s %s %d", kind, name, at).isTrue();
      // Ed25519 is deterministic: the JDK and the protocol's signer must produce the very same bytes.
      assertThat(signature).isEqualTo(PrincipalProofs.sign(k.getPrivate(), kind, name, at));
      // And the proof is bound to what it says.
      assertThat(PrincipalProofs.verify(raw, kind, name, at + 1, signature)).isFalse();
      assertThat(PrincipalProofs.verify(raw, kind, name + "x", at, signature)).isFalse();
    }
  }

  @Test
  void aPairingSignedWithTheJdkVerifiesWithTheProtocolAndIsTheSameSignature() {
    Random random = new Random(11);
    for (int i = 0; i < 60; i++) {
      KeyPair k = Ed25519.generate();
      byte[] raw = PrincipalKeys.rawPublicKey(k.getPublic());
      String owner = PrincipalKeys.principalId(raw);
      byte[] workerKey = new byte[32];
      random.nextBytes(workerKey);
      String worker = PeerIds.fromPublicKey(workerKey);
      long at = random.nextLong(0, 4_000_000_000_000L);

      byte[] signature = PrincipalKeys.sign(k.getPrivate(), PrincipalKeys.pairingMessage(worker, owner, at));
      assertThat(PairingProofs.verify(raw, worker, owner, at, signature)).as("%s %s %d", worker, owner, at).isTrue();
      assertThat(signature).isEqualTo(PairingProofs.sign(k.getPrivate(), worker, owner, at));
      // Bound to the worker, the owner and the time; and no registration proof passes for a pairing.
      assertThat(PairingProofs.verify(raw, worker, owner, at + 1, signature)).isFalse();
      assertThat(PairingProofs.verify(raw, worker, PrincipalKeys.principalId(workerKey), at, signature)).isFalse();
      byte[] registration = PrincipalKeys.sign(k.getPrivate(), PrincipalKeys.proofMessage(worker, owner, at));
      assertThat(PairingProofs.verify(raw, worker, owner, at, registration)).isFalse();
    }
  }

  @Test
  void otherKeysAreRefusedByName() throws Exception {
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
    assertThatThrownBy(() -> PrincipalKeys.rawPublicKey(rsa.getPublic())).hasMessageContaining("not an Ed25519 public key");
    assertThatThrownBy(() -> PrincipalKeys.rawPublicKey(ed448.getPublic())).hasMessageContaining("not an Ed25519 public key");
    assertThatThrownBy(() -> PrincipalKeys.sign(rsa.getPrivate(), new byte[1])).hasMessageContaining("Ed25519");
  }
}
