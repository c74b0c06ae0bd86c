package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.LedgerEntry;
import dev.shoal.protocol.PeerIds;
import java.security.KeyPair;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The SDK's few lines of rating encoding must stay the protocol's: the orchestrator checks with LedgerEntry. */
class RatingsTest {

  @Test
  void aRatingSignedByTheSdkVerifiesAsALedgerStatement() throws Exception {
    KeyPair me = Ed25519.generate();
    String worker = PeerIds.fromPublicKey(Ed25519.rawPublicKey(Ed25519.generate().getPublic()));
    JsonNode body = new ObjectMapper().readTree(Ratings.body(me, worker, -0.5, "slow, then wrong: é", 1_700_000_000_000L));
    HexFormat hex = HexFormat.of();
    LedgerEntry statement =
        new LedgerEntry(
            0, LedgerEntry.GENESIS, body.get("at").asLong(), hex.parseHex(body.get("author").asText()), worker, "rating",
            body.get("score").asDouble(), body.get("comment").asText(), hex.parseHex(body.get("signature").asText()));
    assertThat(statement.author()).isEqualTo(Ed25519.rawPublicKey(me.getPublic()));
    assertThat(statement.signatureValid()).isTrue();
    LedgerEntry altered =
        new LedgerEntry(
            0, LedgerEntry.GENESIS, statement.at(), statement.author(), worker, "rating", 0.5, statement.comment(),
            statement.signature());
    assertThat(altered.signatureValid()).isFalse();
  }
}
