package dev.shoal.orchestrator.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.webhooks.WebhookSender.Outcome;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS over the sender's own socket: a receiver with a certificate for {@code localhost} (made
 * with the JDK's keytool), trusted by the sender, answers; a name the certificate does not carry
 * fails hostname verification although the certificate is trusted.
 */
class WebhookSenderTlsTest {

  private static final char[] PASSWORD = "changeit".toCharArray();
  private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
  private static final String SECRET = "a-receiver-secret-of-some-length";

  @TempDir static Path dir;
  private static Receiver receiver;
  private static SSLContext clientTls;

  @BeforeAll
  static void startReceiver() throws Exception {
    Path store = dir.resolve("receiver.p12");
    Process keytool = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", store.toString(),
            "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
        .redirectErrorStream(true)
        .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    receiver = Receiver.https(serverTls);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("receiver", keys.getCertificate("receiver"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, tmf.getTrustManagers(), null);
  }

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  private static WebhookSender sender(Map<String, String[]> dns) {
    return new WebhookSender(new TargetPolicy(true, TargetPolicyTest.dns(dns)), clientTls.getSocketFactory(),
        Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  @Test
  void aCertificateForTheUrlsHostIsAccepted() {
    int before = receiver.requests.size();
    Outcome outcome = sender(Map.of("localhost", new String[] {"127.0.0.1"}))
        .send("https://localhost:" + receiver.port() + "/hook", "evt-1", 1764567890, BODY, SECRET);

    assertThat(outcome).isEqualTo(new Outcome.Delivered(204));
    assertThat(receiver.requests).hasSize(before + 1);
    assertThat(receiver.requests.getLast().header("Shoal-Webhook-Id")).isEqualTo("evt-1");
  }

  @Test
  void aTrustedCertificateForAnotherNameIsRefusedByHostnameVerification() {
    int before = receiver.requests.size();
    Outcome outcome = sender(Map.of("hooks.other.example", new String[] {"127.0.0.1"}))
        .send("https://hooks.other.example:" + receiver.port() + "/hook", "evt-1", 1764567890, BODY, SECRET);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class,
        f -> assertThat(f.reason()).contains("SSLHandshakeException").contains("hooks.other.example"));
    assertThat(receiver.requests).hasSize(before);
  }

  @Test
  void anUntrustedCertificateIsRefused() {
    WebhookSender defaultTrust = new WebhookSender(new TargetPolicy(true, TargetPolicyTest.dns(
        Map.of("localhost", new String[] {"127.0.0.1"}))));
    Outcome outcome = defaultTrust.send("https://localhost:" + receiver.port() + "/", "evt-1", 1, BODY, SECRET);
    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class,
        f -> assertThat(f.reason()).contains("SSLHandshakeException"));
  }
}
