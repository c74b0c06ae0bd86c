package dev.shoal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

class IdentityTest {

  @Test
  void aPeerIdIsStableForAKeyAndWellFormed() {
    KeyPair key = Ed25519.generate();
    byte[] raw = Ed25519.rawPublicKey(key.getPublic());
    String id = PeerIds.fromPublicKey(raw);
    assertThat(id).hasSize(33).startsWith("w").matches("w[a-z2-7]{32}");
    assertThat(PeerIds.fromPublicKey(raw.clone())).isEqualTo(id);
    assertThat(PeerIds.isWellFormed(id)).isTrue();
    assertThat(PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()))).isNotEqualTo(id);
  }

  @Test
  void aKnownKeyHasAKnownPeerId() {
    // base32 (RFC 4648, lowercase) of sha256(32 zero bytes), first 32 characters.
    assertThat(PeerIds.fromPublicKey(new byte[32])).isEqualTo("wmzuhvlpymk6xo3epygfy5h4oeaejofef");
  }

  @Test
  void malformedPeerIdsAreRecognised() {
    assertThat(PeerIds.isWellFormed("x" + "a".repeat(32))).isFalse();
    assertThat(PeerIds.isWellFormed("w" + "a".repeat(31))).isFalse();
    assertThat(PeerIds.isWellFormed("w" + "A".repeat(32))).isFalse();
    assertThat(PeerIds.isWellFormed("w" + "1".repeat(32))).isFalse();
  }

  @Test
  void aPeerIdNeedsA32ByteKey() {
    assertThatThrownBy(() -> PeerIds.fromPublicKey(new byte[31])).hasMessageContaining("32 bytes");
  }

  @Test
  void signaturesVerifyOnlyForTheSameKeyContextAndMessage() throws Exception {
    KeyPair key = Ed25519.generate();
    byte[] raw = Ed25519.rawPublicKey(key.getPublic());
    byte[] ctx = "ctx".getBytes(StandardCharsets.UTF_8);
    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sig = Ed25519.sign(key.getPrivate(), ctx, msg);
    assertThat(Ed25519.verify(raw, ctx, msg, sig)).isTrue();
    assertThat(Ed25519.verify(raw, "other".getBytes(StandardCharsets.UTF_8), msg, sig)).isFalse();
    assertThat(Ed25519.verify(raw, ctx, "hellp".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    assertThat(Ed25519.verify(Ed25519.rawPublicKey(Ed25519.generate().getPublic()), ctx, msg, sig)).isFalse();
    assertThat(Ed25519.verify(raw, ctx, msg, new byte[10])).isFalse();
    assertThat(Ed25519.privateKey(key.getPrivate().getEncoded()).getAlgorithm()).isIn("Ed25519", "EdDSA");
  }
}
