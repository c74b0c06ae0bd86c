package dev.shoal.orchestrator.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BindPolicyTest {

  @Test
  void loopbackIsLoopbackAndTheWildcardIsNot() {
    assertThat(BindPolicy.isLoopback("127.0.0.1")).isTrue();
    assertThat(BindPolicy.isLoopback("::1")).isTrue();
    assertThat(BindPolicy.isLoopback("localhost")).isTrue();
    assertThat(BindPolicy.isLoopback("0.0.0.0")).isFalse();
    assertThat(BindPolicy.isLoopback("::")).isFalse();
    assertThat(BindPolicy.isLoopback("192.168.1.10")).isFalse();
  }

  @Test
  void aPublicBindWithoutKeysIsRefusedUnlessAllowed() {
    assertThatThrownBy(() -> BindPolicy.check("0.0.0.0", false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("no API key")
        .hasMessageContaining("--allow-unauthenticated-public");
    assertThatCode(() -> BindPolicy.check("0.0.0.0", false, true)).doesNotThrowAnyException();
    assertThatCode(() -> BindPolicy.check("0.0.0.0", true, false)).doesNotThrowAnyException();
    assertThatCode(() -> BindPolicy.check("127.0.0.1", false, false)).doesNotThrowAnyException();
  }

  @Test
  void anEmptyOrUnresolvableAddressIsAnError() {
    assertThatThrownBy(() -> BindPolicy.check("", false, false)).hasMessageContaining("empty");
    assertThatThrownBy(() -> BindPolicy.check("no-such-host.invalid", false, false))
        .hasMessageContaining("cannot resolve");
  }
}
