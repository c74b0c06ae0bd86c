package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Calls every public method of every namespace, blocking and async, against what can go wrong
 * between the SDK and an orchestrator, and checks that what comes out is a {@link
 * ShoalException}: never a raw {@code IOException}, {@code HttpTimeoutException} or Jackson
 * exception. The broken endpoints stand for a dead host, a misconfigured proxy, a hung server
 * and a connection cut mid-answer. New methods are covered as they are added.
 */
class NoRawExceptionsTest {

  enum Failure {
    /** Nobody listens. */
    REFUSED,
    /** A proxy answers 200 with a page that is not the API's. */
    NOT_THE_API,
    /** The connection is accepted and then nothing is said. */
    SILENT,
    /** The answer begins and the connection is cut half way. */
    CUT
  }

  private static final List<Class<?>> NAMESPACES =
      List.of(
          Workers.class, Tasks.class, Jobs.class, Blobs.class, Peers.class, Keys.class, Principals.class, Delegates.class, Fleet.class,
          Services.class, Credits.class, Events.class, AsyncWorkers.class, AsyncTasks.class, AsyncJobs.class, AsyncBlobs.class,
          AsyncPeers.class,
          AsyncKeys.class, AsyncPrincipals.class, AsyncDelegates.class, AsyncFleet.class, AsyncServices.class, AsyncCredits.class,
          AsyncEvents.class);

  /** The key a principal registers with: its public half and its signer must belong together. */
  private static final java.security.KeyPair PRINCIPAL_KEY = ed25519();

  private static java.security.KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @TempDir Path tmp;
  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  @ParameterizedTest
  @EnumSource(Failure.class)
  void everyCallFailsAsAShoalException(Failure failure) throws Exception {
    URI url = endpoint(failure);
    List<String> problems = new ArrayList<>();
    int calls = 0;
    try (ShoalClient client =
        ShoalClient.create(ShoalClientOptions.builder().baseUrl(url).noApiKey().timeout(Duration.ofMillis(150)).build())) {
      for (Class<?> namespace : NAMESPACES) {
        Object target = namespaceOf(client, namespace);
        for (Method m : publicMethods(namespace)) {
          calls++;
          String name = namespace.getSimpleName() + "." + m.getName() + Arrays.toString(m.getParameterTypes());
          Throwable t = outcome(m, target);
          if (t != null && !(t instanceof ShoalException)) {
            problems.add(name + " let " + t + " escape");
          }
          // A follower waits out what may pass (nobody listening, silence, a cut) until it is closed.
          boolean couldSucceed =
              failure == Failure.NOT_THE_API && m.getName().equals("artifact")
                  || failure != Failure.NOT_THE_API && m.getName().equals("follow");
          if (t == null && !couldSucceed) {
            problems.add(name + " succeeded against " + failure);
          }
          if (failure != Failure.NOT_THE_API && t != null && !(t instanceof ConnectionException)) {
            problems.add(name + " failed with " + t + ", not a ConnectionException");
          }
          if (failure == Failure.REFUSED && t != null && !t.getMessage().contains("cannot reach the orchestrator")) {
            problems.add(name + " failed with " + t + ", not as unreachable");
          }
        }
      }
    }
    assertThat(calls).isGreaterThan(40);
    assertThat(problems).isEmpty();
  }

  /** What a call threw, or its future or stream failed with; null if it succeeded. */
  private Throwable outcome(Method m, Object target) throws Exception {
    Object result;
    try {
      result = m.invoke(target, arguments(m));
    } catch (InvocationTargetException e) {
      return e.getCause();
    }
    return switch (result) {
      case CompletableFuture<?> f -> {
        try {
          yield failureIn(f.get(20, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          yield e.getCause();
        }
      }
      case EventSubscription s -> {
        // Closed from another thread once it had time to fail: only what retrying cannot cure may end it.
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(s::close);
        try (s) {
          s.forEachRemaining(e -> {});
          yield null;
        } catch (RuntimeException e) {
          yield e;
        }
      }
      case Flow.Publisher<?> p when m.getName().equals("follow") -> failureOf(p, Duration.ofSeconds(1));
      case TaskStream s -> {
        try (s) {
          s.forEach(e -> {});
          yield null;
        } catch (RuntimeException e) {
          yield e;
        }
      }
      case Flow.Publisher<?> p -> failureOf(p, null);
      case null, default -> failureIn(result);
    };
  }

  /** A scatter fails inside its results, never by throwing. */
  private static Throwable failureIn(Object result) {
    if (result instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof ScatterResult) {
      for (Object o : list) {
        ScatterResult r = (ScatterResult) o;
        if (!r.succeeded()) {
          return r.error();
        }
      }
    }
    return null;
  }

  /** How {@code p} failed; null if it completed, or was still going when cancelled after {@code cancelAfter}. */
  private static Throwable failureOf(Flow.Publisher<?> p, Duration cancelAfter) throws InterruptedException {
    CompletableFuture<Throwable> end = new CompletableFuture<>();
    p.subscribe(
        new Flow.Subscriber<Object>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
            if (cancelAfter != null) {
              CompletableFuture.delayedExecutor(cancelAfter.toMillis(), TimeUnit.MILLISECONDS)
                  .execute(() -> {
                    s.cancel();
                    end.complete(null);
                  });
            }
          }

          @Override
          public void onNext(Object item) {}

          @Override
          public void onError(Throwable t) {
            end.complete(t);
          }

          @Override
          public void onComplete() {
            end.complete(null);
          }
        });
    try {
      return end.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return e;
    }
  }

  private Object[] arguments(Method m) throws Exception {
    Type[] types = m.getGenericParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      args[i] = argument(types[i], m.getParameters()[i].getName());
    }
    return args;
  }

  private Object argument(Type type, String name) throws Exception {
    if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
      Type element = p.getActualTypeArguments()[0];
      return element == TaskSpec.class
          ? List.of(TaskSpec.of("shoal.noop@1"))
          : List.of(TaskRequest.complete("m", "p").withTimeoutMs(1).withMaxAttempts(1));
    }
    if (type instanceof ParameterizedType p && p.getRawType() == Set.class) {
      return p.getActualTypeArguments()[0] == DelegateScope.class ? Set.of(DelegateScope.CANCEL) : Set.of(ApiKey.Scope.READ);
    }
    if (type instanceof ParameterizedType p && p.getRawType() == java.util.Optional.class) {
      return java.util.Optional.of(java.time.Instant.now().plusSeconds(3600));
    }
    Class<?> c = (Class<?>) type;
    if (c == String.class) {
      return switch (name) {
        case "name" -> "report/policy.md";
        case "json" -> "{\"tasks\": []}";
        case "sha256" -> "sha256:" + "0f".repeat(32);
        default -> "w1.t0000";
      };
    }
    if (c == int.class) {
      return 1;
    }
    if (c == boolean.class) {
      return true;
    }
    if (c == long.class) {
      // A range longer than the cut answer, so that reading it meets the cut.
      return name.equals("length") ? 1L << 20 : 0L;
    }
    if (c == double.class) {
      return 0.5;
    }
    if (c == Duration.class) {
      return Duration.ofMillis(200);
    }
    if (c == TaskRequest.class) {
      // A run waits as long as its task may take: keep that short for the silent server.
      return TaskRequest.chat("llama3.2", "hi").withTimeoutMs(1).withMaxAttempts(1);
    }
    if (c == ServiceSpec.class) {
      return ServiceSpec.builder("upper", TaskRequest.PROCESS_RUN).command("upper").payment(5, 50).build();
    }
    if (c == EventFilter.class) {
      return EventFilter.types("task.assigned");
    }
    if (c == WorkerFilter.class) {
      return WorkerFilter.model("llama3.2");
    }
    if (c == JobRequest.class) {
      return JobRequest.tasks(List.of(TaskSpec.of("shoal.noop@1")));
    }
    if (c == ScatterOptions.class) {
      return ScatterOptions.DEFAULT.withPeerIds(List.of("wA")).withMaxRetries(0);
    }
    if (c == Tensor.class) {
      return Tensor.float32(Shape.of(1, 1), new float[] {1});
    }
    if (c == Path.class) {
      return switch (name) {
        case "file" -> Files.write(Files.createTempFile(tmp, "blob", ".bin"), new byte[] {1, 2, 3});
        case "target" -> tmp.resolve("download-" + System.nanoTime());
        default -> Files.createTempDirectory(tmp, "artifacts");
      };
    }
    if (c == StoredTensor.class || c == TaskOutput.class) {
      return Input.blob("0f".repeat(32), dev.shoal.operators.DType.INT32, Shape.of(1 << 18));
    }
    if (c == java.security.KeyPair.class) {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }
    if (c == PrincipalInfo.Kind.class) {
      return PrincipalInfo.Kind.CLIENT;
    }
    if (c == byte[].class) {
      return java.util.Arrays.copyOfRange(PRINCIPAL_KEY.getPublic().getEncoded(), 12, 44);
    }
    if (c == ProofSigner.class) {
      return (ProofSigner) m -> dev.shoal.client.internal.PrincipalKeys.sign(PRINCIPAL_KEY.getPrivate(), m);
    }
    throw new IllegalStateException("no sample argument of type " + type + ": add one");
  }

  private static Object namespaceOf(ShoalClient client, Class<?> namespace) throws Exception {
    for (Object root : List.of(client, client.async())) {
      for (Method m : root.getClass().getMethods()) {
        if (m.getParameterCount() == 0 && m.getReturnType() == namespace) {
          return m.invoke(root);
        }
      }
    }
    throw new IllegalStateException("no accessor for " + namespace);
  }

  private static List<Method> publicMethods(Class<?> c) {
    return Arrays.stream(c.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && !m.isSynthetic())
        .sorted(Comparator.comparing(Method::toString))
        .toList();
  }

  private URI endpoint(Failure failure) throws IOException {
    if (failure == Failure.REFUSED) {
      int port;
      try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = gone.getLocalPort();
      }
      return URI.create("http://127.0.0.1:" + port);
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          switch (failure) {
            case NOT_THE_API -> {
              byte[] page = "<html>Welcome to the proxy</html>".getBytes(StandardCharsets.UTF_8);
              ex.getResponseHeaders().set("Content-Type", "text/html");
              ex.sendResponseHeaders(200, page.length);
              ex.getResponseBody().write(page);
              ex.close();
            }
            case SILENT -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              ex.close();
            }
            case CUT -> {
              String path = ex.getRequestURI().getPath();
              String type =
                  path.endsWith("/stream") || path.equals("/v1/events")
                      ? "text/event-stream"
                      : path.startsWith("/v1/blobs/") && ex.getRequestMethod().equals("GET") ? "application/octet-stream" : "application/json";
              ex.getResponseHeaders().set("Content-Type", type);
              ex.sendResponseHeaders(200, 100_000);
              OutputStream out = ex.getResponseBody();
              String started =
                  path.equals("/v1/events")
                      ? "event: job.published\ndata: {\"seq\": 1, \"at\": 1, \"type\": \"job.published\"}\n\nevent: job.pub"
                      : "event: started\ndata: {\"id\": \"j.t\", \"worker\": {\"peer_id\": \"w\"}, \"attempt\": 1}\n\n";
              out.write((started + "{\"workers\": [").getBytes(StandardCharsets.UTF_8));
              out.flush();
              // Cut: close the connection well short of the promised length.
              ex.close();
            }
            default -> throw new IllegalStateException();
          }
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }
}
