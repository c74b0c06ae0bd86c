package dev.shoal.bench;

import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node of the data benchmark in a JVM of its own. Prints one line once it serves and lives
 * until its stdin closes, so it dies with the benchmark.
 *
 * <ul>
 *   <li>{@code DataNode orchestrator <payload file>}: an orchestrator with its defaults except no
 *       spot checks (state in memory, blobs in a temporary directory, no keys on loopback), and
 *       beside it, in the same JVM, the raw-TCP baseline: a server on 127.0.0.1 that holds the
 *       payload file's bytes in memory and streams any {@code (offset, length)} of them a client
 *       asks for over NIO channels from a direct buffer ({@code raw}: no copy but the kernel's).
 *       Both run in one process so that Shoal and the baseline are served by the same JVM to the
 *       same client JVM. Prints {@code ready http=PORT grpc=PORT raw=PORT}.
 *   <li>{@code DataNode worker <orchestrator host:port> <slots>}: one worker; prints {@code ready
 *       PEER_ID} once welcomed.
 * </ul>
 */
public final class DataNode {

  private DataNode() {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    if (args.length == 2 && args[0].equals("orchestrator")) {
      byte[] payload = Files.readAllBytes(Path.of(args[1]));
      // No spot checks: every task runs once, so the validation egress is one validation per
      // result and not a 5 % lottery of second attempts.
      Orchestrator o =
          Orchestrator.create(OrchestratorConfig.builder().grpcPort(0).httpPort(0).spotCheckFraction(0).build()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(o::close, "orchestrator-shutdown"));
      ByteBuffer direct = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
      ServerSocketChannel raw = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread.ofPlatform().daemon().name("raw-accept").start(() -> acceptRaw(raw, direct));
      ready("ready http=" + o.httpPort() + " grpc=" + o.grpcPort() + " raw=" + ((InetSocketAddress) raw.getLocalAddress()).getPort());
    } else if (args.length == 3 && args[0].equals("worker")) {
      Worker w =
          Worker.create(
                  WorkerConfig.builder()
                      .orchestrators(List.of(args[1]))
                      .name("data-bench")
                      .maxConcurrentTasks(Integer.parseInt(args[2]))
                      .build())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(w::shutdownNow, "worker-shutdown"));
      try {
        w.connected().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        System.err.println("worker did not connect to " + args[1] + ": " + w.failure().orElse(e.toString()));
        System.exit(1);
      }
      ready("ready " + w.peerId());
    } else {
      System.err.println("usage: DataNode orchestrator <payload file> | DataNode worker <orchestrator host:port> <slots>");
      System.exit(2);
    }
    while (System.in.read() >= 0) {
      // Runs until the parent closes stdin or dies.
    }
    System.exit(0);
  }

  private static void acceptRaw(ServerSocketChannel server, ByteBuffer payload) {
    while (true) {
      SocketChannel s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      Thread.ofPlatform().daemon().name("raw-serve").start(() -> serveRaw(s, payload));
    }
  }

  /**
   * The baseline's server: per request, two longs (offset, length) in; exactly those bytes of the
   * payload out, written from the direct buffer, so the only copy is the kernel's. A negative
   * length ends the connection.
   */
  private static void serveRaw(SocketChannel s, ByteBuffer payload) {
    ByteBuffer request = ByteBuffer.allocate(16);
    try (s) {
      while (true) {
        request.clear();
        while (request.hasRemaining()) {
          if (s.read(request) < 0) {
            return;
          }
        }
        long offset = request.getLong(0);
        long length = request.getLong(8);
        if (length < 0 || offset < 0 || offset + length > payload.capacity()) {
          return;
        }
        ByteBuffer part = payload.slice((int) offset, (int) length);
        while (part.hasRemaining()) {
          s.write(part);
        }
      }
    } catch (IOException e) {
      System.err.println("raw server: " + e);
    }
  }

  private static void ready(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
