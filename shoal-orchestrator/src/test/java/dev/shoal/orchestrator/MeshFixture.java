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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A whole orchestrator with keys and a data directory, driven as its users would: HTTP for
 * clients and fleet owners, the worker protocol over a real gRPC stream for scripted workers
 * (which send a signed Hello and then only read what they are sent).
 */
final class MeshFixture implements AutoCloseable {

  static final ObjectMapper MAPPER = new ObjectMapper();

  final Orchestrator orchestrator;
  final String admin;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ManagedChannel channel;
  private final List<ScriptedWorker> workers = new ArrayList<>();

  private final Path dir;

  MeshFixture(Path dir) throws Exception {
    this(dir, null);
  }

  private MeshFixture(Path dir, String existingAdmin) throws Exception {
    this.dir = dir;
    orchestrator = Orchestrator.create(OrchestratorConfig.builder().grpcPort(0).httpPort(0).dataDir(dir).fsync(false).build()).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", orchestrator.grpcPort()).usePlaintext().build();
    // While no key exists the loopback orchestrator answers everyone: the first key is the admin's.
    admin = existingAdmin != null
        ? existingAdmin
        : json(send("POST", "/v1/keys", null, null, "{\"name\": \"ops\", \"scopes\": [\"admin\"]}"), 201).get("key").asText();
  }

  /** Stops this orchestrator and starts another on the same data directory: a restart. */
  MeshFixture restart() throws Exception {
    close();
    return new MeshFixture(dir, admin);
  }

  @Override
  public void close() {
    workers.forEach(ScriptedWorker::leave);
    channel.shutdownNow();
    orchestrator.close();
    http.close();
  }

  HttpResponse<String> send(String method, String path, String key, String onBehalfOf, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orchestrator.httpPort() + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (onBehalfOf != null) {
      b.header("Shoal-On-Behalf-Of", onBehalfOf);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return MAPPER.readTree(r.body());
  }

  /** A registered principal: its id, an API key that acts as it, and its Ed25519 keys. */
  record Registered(String id, String key, KeyPair pair) {}

  Registered principal(String kind, String name) throws Exception {
    KeyPair k = Ed25519.generate();
    long now = System.currentTimeMillis();
    ObjectNode body = MAPPER.createObjectNode().put("kind", kind).put("name", name)
        .put("public_key", Base64.getEncoder().encodeToString(Ed25519.rawPublicKey(k.getPublic())))
        .put("signed_at", now)
        .put("signature", Base64.getEncoder().encodeToString(PrincipalProofs.sign(k.getPrivate(), kind, name, now)));
    String id = json(send("POST", "/v1/principals", admin, null, body.toString()), 201).get("id").asText();
    String key = json(send("POST", "/v1/keys", admin, null,
        "{\"name\": \"" + name + "\", \"scopes\": [\"submit\", \"read\"], \"principal\": \"" + id + "\"}"), 201).get("key").asText();
    return new Registered(id, key, k);
  }

  /** A worker that speaks the protocol by hand: Hello, then it only listens. */
  final class ScriptedWorker {
    final KeyPair key = Ed25519.generate();
    final String peerId = PeerIds.fromPublicKey(Ed25519.rawPublicKey(key.getPublic()));
    final LinkedBlockingQueue<OrchestratorMessage> received = new LinkedBlockingQueue<>();
    private StreamObserver<WorkerMessage> stream;

    /** (Re)connects with a signed descriptor naming {@code owner} and listing {@code services}; returns once welcomed. */
    ScriptedWorker connect(String owner, List<String> services) throws Exception {
      leave();
      received.clear();
      stream = WorkerLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
        @Override public void onNext(OrchestratorMessage m) { received.add(m); }
        @Override public void onError(Throwable t) {}
        @Override public void onCompleted() {}
      });
      NodeDescriptor.Builder node = NodeDescriptor.newBuilder()
          .setName("box").setOwner(owner).setIssuedAtMs(System.currentTimeMillis())
          .setHardware(Hardware.newBuilder().setArch("amd64").setOs("linux").setCores(4).setMemoryBytes(8L << 30))
          .addOperators("tensor.add@1").addOperators("process.run@1").addAllServices(services)
          .setMaxConcurrentTasks(1).setMaxTaskBytes(64L << 20)
          .addProtocolVersions(ProtocolVersions.CURRENT);
      stream.onNext(WorkerMessage.newBuilder().setHello(Hellos.sign(node, key)).build());
      OrchestratorMessage welcome = received.poll(10, TimeUnit.SECONDS);
      assertThat(welcome).isNotNull();
      assertThat(welcome.hasWelcome()).isTrue();
      return this;
    }

    /** The next task dispatched to it, or null within {@code seconds}. */
    OrchestratorMessage nextDispatch(int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        OrchestratorMessage m = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (m == null || m.hasDispatch()) {
          return m;
        }
      }
    }

    void leave() {
      if (stream != null) {
        stream.onCompleted();
        stream = null;
      }
    }
  }

  ScriptedWorker worker() {
    ScriptedWorker w = new ScriptedWorker();
    workers.add(w);
    return w;
  }

  /** The owner's half of a pairing, as the request body. */
  static String pairBody(Registered owner, String worker) {
    long now = System.currentTimeMillis();
    byte[] sig = PairingProofs.sign(owner.pair().getPrivate(), worker, owner.id(), now);
    return "{\"worker\": \"" + worker + "\", \"signed_at\": " + now + ", \"signature\": \"" + Base64.getEncoder().encodeToString(sig) + "\"}";
  }

  JsonNode events(String query) throws Exception {
    return json(send("GET", "/v1/events?limit=1000&" + query, admin, null, null), 200).get("events");
  }
}
