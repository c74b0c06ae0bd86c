package dev.shoal.protocol;

import static dev.shoal.protocol.ProtocolVersions.of;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.ProtocolVersions.Negotiation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolVersionsTest {

  @Test
  void theHighestSharedMajorWinsAtTheLowerMinor() {
    Negotiation n = ProtocolVersions.negotiate(List.of(of(2, 1, 0), of(1, 4, 2)), List.of(of(1, 2, 0), of(2, 3, 1)));
    assertThat(n).isEqualTo(new Negotiation.Agreed(of(2, 1, 0)));
  }

  @Test
  void equalMinorsAgreeOnTheLowerPatch() {
    assertThat(ProtocolVersions.negotiate(List.of(of(1, 0, 3)), List.of(of(1, 0, 1))))
        .isEqualTo(new Negotiation.Agreed(of(1, 0, 1)));
  }

  @Test
  void noSharedMajorIsRefusedNamingBothSides() {
    Negotiation n = ProtocolVersions.negotiate(List.of(of(1, 0, 0)), List.of(of(2, 0, 0), of(3, 1, 0)));
    assertThat(n)
        .isEqualTo(
            new Negotiation.Refused(
                "protocol version mismatch: orchestrator supports [1.0.0], worker supports [2.0.0, 3.1.0]"));
  }

  @Test
  void aPeerStatingNoVersionIsRefused() {
    assertThat(ProtocolVersions.negotiate(List.of(of(1, 0, 0)), List.of())).isInstanceOf(Negotiation.Refused.class);
  }
}
