package dev.shoal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.PairingProofs;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.PrincipalProofs;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairing a worker with its fleet owner, both sides signing: the worker by naming the owner in
 * its signed descriptor (a real gRPC stream here), the owner over HTTP with its principal key.
 * Either side ends it.
 */
class FleetPairingTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private Orchestrator orchestrator;
  private ManagedChannel channel;
  private String admin;
  private final KeyPair workerKey = Ed25519.generate();
  private final String worker = PeerIds.fromPublicKey(Ed25519.rawPublicKey(workerKey.getPublic()));
  private StreamObserver<WorkerMessage> stream;

  @BeforeEach
  void start() throws Exception {
    orchestrator = Orchestrator.create(OrchestratorConfig.builder().grpcPort(0).httpPort(0).dataDir(dir).fsync(false).build()).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", orchestrator.grpcPort()).usePlaintext().build();
    admin = MAPPER.readTree(send("POST", "/v1/fleet/../keys", null, "{\"name\": \"ops\", \"scopes\": [\"admin\"]}").body())
        .get("key").asText();
  }

  @AfterEach
  void stop() {
    if (stream != null) {
      stream.onCompleted();
    }
    channel.shutdownNow();
    orchestrator.close();
    http.close();
  }

  private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orchestrator.httpPort() + path).normalize())
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {id, API key, private key holder} of a new principal. */
  private record Registered(String id, String key, KeyPair pair) {}

  private Registered principal(String kind, String name) throws Exception {
    KeyPair k = Ed25519.generate();
    long now = System.currentTimeMillis();
    ObjectNode body = MAPPER.createObjectNode().put("kind", kind).put("name", name)
        .put("public_key", Base64.getEncoder().encodeToString(Ed25519.rawPublicKey(k.getPublic())))
        .put("signed_at", now)
        .put("signature", Base64.getEncoder().encodeToString(PrincipalProofs.sign(k.getPrivate(), kind, name, now)));
    String id = MAPPER.readTree(send("POST", "/v1/principals", admin, body.toString()).body()).get("id").asText();
    String key = MAPPER.readTree(send("POST", "/v1/keys", admin,
        "{\"name\": \"" + name + "\", \"scopes\": [\"submit\", \"read\"], \"principal\": \"" + id + "\"}").body()).get("key").asText();
    return new Registered(id, key, k);
  }

  /** Connects the worker with a signed descriptor naming {@code owner}; returns once welcomed. */
  private void connectWorker(String owner) throws Exception {
    if (stream != null) {
      stream.onCompleted();
    }
    LinkedBlockingQueue<OrchestratorMessage> in = new LinkedBlockingQueue<>();
    stream = WorkerLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
      @Override public void onNext(OrchestratorMessage m) { in.add(m); }
      @Override public void onError(Throwable t) {}
      @Override public void onCompleted() {}
    });
    NodeDescriptor.Builder node = NodeDescriptor.newBuilder()
        .setName("box").setOwner(owner).setIssuedAtMs(System.currentTimeMillis())
        .setHardware(Hardware.newBuilder().setArch("amd64").setOs("linux").setCores(2).setMemoryBytes(1L << 30))
        .addOperators("tensor.add@1").setMaxConcurrentTasks(1).setMaxTaskBytes(1L << 20)
        .addProtocolVersions(ProtocolVersions.CURRENT);
    stream.onNext(WorkerMessage.newBuilder().setHello(Hellos.sign(node, workerKey)).build());
    OrchestratorMessage welcome = in.poll(10, TimeUnit.SECONDS);
    assertThat(welcome).isNotNull();
    assertThat(welcome.hasWelcome()).isTrue();
  }

  private String pairBody(Registered owner, String signedFor) {
    long now = System.currentTimeMillis();
    byte[] sig = PairingProofs.sign(owner.pair().getPrivate(), worker, signedFor, now);
    return "{\"worker\": \"" + worker + "\", \"signed_at\": " + now + ", \"signature\": \"" + Base64.getEncoder().encodeToString(sig) + "\"}";
  }

  private JsonNode pairingsOf(Registered owner) throws Exception {
    return MAPPER.readTree(send("GET", "/v1/fleet/pairings?owner=" + owner.id(), owner.key(), null).body()).get("pairings");
  }

  private JsonNode events(String type) throws Exception {
    return MAPPER.readTree(send("GET", "/v1/events?type=" + type, admin, null).body()).get("events");
  }

  @Test
  void bothSidesSignAndEitherSideEndsIt() throws Exception {
    Registered fleet = principal("fleet_owner", "fleet");
    Registered client = principal("client", "alice");

    // The worker has not named the owner yet: the owner's signature alone pairs nothing.
    connectWorker("someone's label");
    HttpResponse<String> early = send("POST", "/v1/fleet/pairings", fleet.key(), pairBody(fleet, fleet.id()));
    assertThat(early.statusCode()).isEqualTo(409);
    assertThat(early.body()).contains("--owner " + fleet.id());

    connectWorker(fleet.id());
    assertThat(send("POST", "/v1/fleet/pairings", client.key(), pairBody(fleet, client.id())).body())
        .as("a client pairs no worker").contains("a client cannot pair");
    assertThat(send("POST", "/v1/fleet/pairings", fleet.key(), pairBody(client, fleet.id())).body())
        .as("someone else's signature").contains("signature is not");
    assertThat(pairingsOf(fleet)).isEmpty();

    HttpResponse<String> paired = send("POST", "/v1/fleet/pairings", fleet.key(), pairBody(fleet, fleet.id()));
    assertThat(paired.statusCode()).as(paired.body()).isEqualTo(201);
    assertThat(pairingsOf(fleet)).singleElement().satisfies(p -> assertThat(p.get("worker").asText()).isEqualTo(worker));
    assertThat(events("pairing.created")).singleElement().satisfies(e -> {
      assertThat(e.get("principal").asText()).isEqualTo(fleet.id());
      assertThat(e.get("worker").asText()).isEqualTo(worker);
    });

    // The worker's side: it comes back naming nobody, and the pairing is over.
    connectWorker("");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!pairingsOf(fleet).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(pairingsOf(fleet)).isEmpty();
    assertThat(events("pairing.ended")).singleElement().satisfies(e -> assertThat(e.get("detail").asText()).contains("by the worker"));

    // The owner's side: paired again, then ended over HTTP; only the owner may.
    connectWorker(fleet.id());
    assertThat(send("POST", "/v1/fleet/pairings", fleet.key(), pairBody(fleet, fleet.id())).statusCode()).isEqualTo(201);
    assertThat(send("DELETE", "/v1/fleet/pairings/" + worker, client.key(), null).statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/v1/fleet/pairings/" + worker, fleet.key(), null).statusCode()).isEqualTo(200);
    assertThat(pairingsOf(fleet)).isEmpty();
    assertThat(events("pairing.ended")).hasSize(2);
  }
}
