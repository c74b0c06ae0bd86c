package dev.shoal.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.shoal.client.EventFilter;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.ShoalClientOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a real orchestrator cannot be made to do on cue: a connection that stays open and says
 * nothing (a peer gone without a word), which the follower must give up on and resume from.
 */
class EventFollowerTest {

  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void theQueryNamesEveryPartOfTheFilter() {
    EventFilter f = EventFilter.types("task.*", "worker.judged").withJob("j1").withTask("j1.t").withWorker("w+1");
    assertThat(EventFollower.query(7, f)).isEqualTo("after=7&type=task.*&type=worker.judged&job=j1&task=j1.t&worker=w%2B1");
    assertThat(EventFollower.query(0, EventFilter.ALL)).isEqualTo("after=0");
  }

  @Test
  void aSilentConnectionIsGivenUpAndTheFollowerResumesAfterItsLastEvent() throws Exception {
    List<String> queries = new CopyOnWriteArrayList<>();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/v1/events",
        ex -> {
          queries.add(ex.getRequestURI().getRawQuery());
          ex.getResponseHeaders().set("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          OutputStream out = ex.getResponseBody();
          // The first connection gives one event and then falls silent; the next gives the one after.
          long seq = queries.size();
          out.write(("id: " + seq + "\nevent: job.published\ndata: {\"seq\": " + seq + ", \"at\": 1, \"type\": \"job.published\"}\n\n")
              .getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    server.start();
    ShoalClientOptions options =
        ShoalClientOptions.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).noApiKey().build();

    try (Transport transport = Transport.open(options);
        EventFollower follower = new EventFollower(transport, 0, EventFilter.ALL, Duration.ofMillis(300))) {
      CompletableFuture<List<MeshEvent>> two =
          CompletableFuture.supplyAsync(() -> List.of(follower.next(), follower.next()), Executors.newVirtualThreadPerTaskExecutor());

      assertThat(two.get(10, TimeUnit.SECONDS)).extracting(MeshEvent::seq).containsExactly(1L, 2L);
      assertThat(queries).containsExactly("after=0", "after=1");
    }
  }
}
