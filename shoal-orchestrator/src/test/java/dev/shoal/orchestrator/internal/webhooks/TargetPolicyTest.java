package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TargetPolicyTest {

  /** A DNS with fixed answers; anything else does not resolve. */
  static TargetPolicy.Resolver dns(Map<String, String[]> answers) {
    return host -> {
      String[] found = answers.get(host);
      if (found == null) {
        throw new UnknownHostException(host);
      }
      InetAddress[] out = new InetAddress[found.length];
      for (int i = 0; i < found.length; i++) {
        out[i] = InetAddress.getByName(found[i]);
      }
      return out;
    };
  }

  private static final TargetPolicy.Resolver DNS = dns(Map.of(
      "hooks.example.com", new String[] {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
      "internal.example.com", new String[] {"10.1.2.3"},
      "mixed.example.com", new String[] {"93.184.216.34", "127.0.0.1"},
      "metadata.example.com", new String[] {"169.254.169.254"},
      "v6private.example.com", new String[] {"fd00::5"},
      "localhost", new String[] {"127.0.0.1", "::1"}));

  private final TargetPolicy strict = new TargetPolicy(false, DNS);
  private final TargetPolicy permissive = new TargetPolicy(true, DNS);

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      http://127.0.0.1/                         | loopback
      http://127.0.0.1:8080/hook                | loopback
      http://127.1/                             | no valid host
      http://0x7f000001/                        | non-standard form
      http://0x7f.0.0.1/                        | no valid host
      http://2130706433/                        | non-standard form
      http://0177.0.0.1/                        | non-standard form
      http://127.000.000.001/                   | non-standard form
      http://[::ffff:127.0.0.1]/                | loopback
      http://[::ffff:7f00:1]/                   | loopback
      http://[::1]/                             | loopback
      http://[0:0:0:0:0:0:0:1]:9000/            | loopback
      http://[::127.0.0.1]/                     | IPv4-compatible loopback
      http://[64:ff9b::a00:1]/                  | NAT64 private
      http://[2002:7f00:1::]/                   | 6to4 loopback
      http://localhost/                         | this machine
      http://LOCALHOST:8080/                    | this machine
      http://api.localhost/                     | this machine
      http://169.254.169.254/latest/meta-data/  | link-local
      http://[fe80::1]/                         | link-local
      http://[fec0::1]/                         | site-local
      http://10.0.0.1/                          | private (RFC 1918)
      http://172.16.0.1/                        | private (RFC 1918)
      http://172.31.255.255/                    | private (RFC 1918)
      http://192.168.1.1/                       | private (RFC 1918)
      http://[fc00::1]/                         | unique-local
      http://[fd12:3456::1]/                    | unique-local
      http://100.64.0.1/                        | CGNAT
      http://100.127.255.254/                   | CGNAT
      http://0.0.0.0/                           | unspecified
      http://0.1.2.3/                           | unspecified
      http://[::]/                              | unspecified
      http://224.0.0.1/                         | multicast
      http://239.255.255.250/                   | multicast
      http://[ff02::1]/                         | multicast
      http://255.255.255.255/                   | broadcast
      http://internal.example.com/              | 10.1.2.3, a private
      http://mixed.example.com/                 | 127.0.0.1, a loopback
      http://metadata.example.com/              | link-local
      http://v6private.example.com/             | unique-local
      http://nxdomain.example.com/              | does not resolve
      ftp://hooks.example.com/                  | http or https
      file:///etc/passwd                        | http or https
      javascript:alert(1)                       | http or https
      //hooks.example.com/                      | http or https
      http://user:pw@hooks.example.com/         | user info
      http://user@hooks.example.com/            | user info
      http:///only-a-path                       | no valid host
      http://hooks.example.com:0/               | port
      http://hooks.example.com/#section         | fragment
      http://hooks.example.com./                | not a valid host name
      http://-bad.example.com/                  | no valid host
      http://[fe80::1%25eth0]/                  | zone ids
      http://exa mple.com/                      | not a valid URL
      """)
  void refused(String url, String why) {
    assertThatThrownBy(() -> strict.check(url))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining(why);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://hooks.example.com/shoal",
      "http://hooks.example.com:8080/x?y=1&z=%20",
      "HTTPS://Hooks.Example.COM/",
      "http://93.184.216.34/",
      "https://[2606:4700:4700::1111]/",
      "http://172.15.255.255/",
      "http://172.32.0.1/",
      "http://100.63.255.255/",
      "http://100.128.0.1/",
      "http://192.169.0.1/",
      "http://11.0.0.1/",
      "http://223.255.255.255/",
  })
  void allowed(String url) {
    assertThatCode(() -> strict.check(url)).doesNotThrowAnyException();
  }

  @Test
  void emptyAndOverlongUrlsAreRefused() {
    assertThatThrownBy(() -> strict.check("")).isInstanceOf(TargetRefusedException.class);
    assertThatThrownBy(() -> strict.check(null)).isInstanceOf(TargetRefusedException.class);
    assertThatThrownBy(() -> strict.check("https://hooks.example.com/" + "a".repeat(2048)))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("2048");
  }

  @Test
  void allowPrivateLetsInternalAddressesThroughButNotBadShapes() {
    assertThatCode(() -> permissive.check("http://localhost:8080/")).doesNotThrowAnyException();
    assertThatCode(() -> permissive.check("http://10.0.0.1/")).doesNotThrowAnyException();
    assertThatCode(() -> permissive.check("http://[::1]/")).doesNotThrowAnyException();
    assertThatCode(() -> permissive.check("http://internal.example.com/")).doesNotThrowAnyException();
    assertThatThrownBy(() -> permissive.check("ftp://10.0.0.1/")).isInstanceOf(TargetRefusedException.class);
    assertThatThrownBy(() -> permissive.check("http://u@10.0.0.1/")).isInstanceOf(TargetRefusedException.class);
    assertThatThrownBy(() -> permissive.check("http://0x7f000001/")).isInstanceOf(TargetRefusedException.class);
  }

  @Test
  void theParsedTargetKeepsWhatTheRequestNeeds() {
    WebhookTarget t = strict.parse("https://hooks.example.com:8443/a/b%20c?x=1");
    assertThat(t).isEqualTo(new WebhookTarget(true, "hooks.example.com", null, 8443, "hooks.example.com:8443",
        "/a/b%20c?x=1"));
    WebhookTarget literal = strict.parse("http://[2606:4700:4700::1111]");
    assertThat(literal.host()).isEqualTo("2606:4700:4700::1111");
    assertThat(literal.literal()).isNotNull();
    assertThat(literal.port()).isEqualTo(80);
    assertThat(literal.hostHeader()).isEqualTo("[2606:4700:4700::1111]");
    assertThat(literal.requestTarget()).isEqualTo("/");
  }

  @Test
  void ipv6FormsThatCarryAPrivateIpv4AddressAreJudgedByIt() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 10;
    mapped[15] = 1;
    assertThat(TargetPolicy.forbiddenReason(Inet6Address.getByAddress(null, mapped, -1)))
        .isEqualTo("IPv4-mapped private (RFC 1918)");
    mapped[12] = 8;
    mapped[13] = 8;
    mapped[14] = 8;
    mapped[15] = 8;
    assertThat(TargetPolicy.forbiddenReason(Inet6Address.getByAddress(null, mapped, -1))).isNull();
    assertThat(TargetPolicy.forbiddenReason(InetAddress.getByName("2002:0808:0808::1"))).isNull();
  }
}
