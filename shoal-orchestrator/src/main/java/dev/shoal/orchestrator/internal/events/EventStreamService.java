package dev.shoal.orchestrator.internal.events;

import dev.shoal.orchestrator.internal.auth.Authorizer;
import dev.shoal.orchestrator.internal.auth.Scope;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.protocol.v1.Event;
import dev.shoal.protocol.v1.EventsGrpc;
import dev.shoal.protocol.v1.SubscribeRequest;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log over gRPC ({@code shoal.v1.Events/Subscribe}): each subscriber is served by a
 * virtual thread of its own that reads the {@link EventFeed} and sends only as fast as the
 * client's flow-control window allows, so the transport's event loop never waits and a slow
 * subscriber never buffers the log in memory. Thread-safe.
 */
public final class EventStreamService extends EventsGrpc.EventsImplBase {

  private static final Logger log = LoggerFactory.getLogger(EventStreamService.class);
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** Subscribers at once; as many as the HTTP route allows followers. */
  static final int MAX_SUBSCRIBERS = 1024;
  private static final int BATCH = 256;
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);

  private final EventFeed feed;
  private final Semaphore slots = new Semaphore(MAX_SUBSCRIBERS);
  private final Set<Thread> serving = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public EventStreamService(EventFeed feed) {
    this.feed = feed;
  }

  /** This service behind the orchestrator's API keys: {@code read} scope, as {@code GET /v1/events}. */
  public ServerServiceDefinition withAccess(Authorizer authorizer) {
    return ServerInterceptors.intercept(this, new Access(authorizer));
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<Event> responses) {
    ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) responses;
    EventFilter filter;
    try {
      if (request.getAfter() < 0) {
        throw new IllegalArgumentException("after must be at most " + Long.MAX_VALUE);
      }
      filter =
          EventFilter.of(
              request.getTypesList(), request.getService(), request.getJobId(), request.getTaskId(),
              request.getPrincipal(), request.getWorker());
    } catch (IllegalArgumentException e) {
      call.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    if (closed) {
      call.onError(Status.UNAVAILABLE.withDescription("the orchestrator is stopping").asRuntimeException());
      return;
    }
    if (!slots.tryAcquire()) {
      call.onError(
          Status.RESOURCE_EXHAUSTED.withDescription("this orchestrator already serves " + MAX_SUBSCRIBERS + " subscribers")
              .asRuntimeException());
      return;
    }
    Subscriber s = new Subscriber(call, request.getAfter(), filter);
    call.setOnReadyHandler(s::ready);
    Thread t = Thread.ofVirtual().name("events-subscriber").unstarted(s::run);
    call.setOnCancelHandler(t::interrupt);
    serving.add(t);
    t.start();
  }

  /** Ends every subscription with UNAVAILABLE: the orchestrator is stopping. */
  public void close() {
    closed = true;
    serving.forEach(Thread::interrupt);
  }

  /** One subscription: reads pages and sends them while the call is ready. */
  private final class Subscriber {
    private final ServerCallStreamObserver<Event> call;
    private final EventFilter filter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writable = lock.newCondition();
    private long cursor;

    Subscriber(ServerCallStreamObserver<Event> call, long after, EventFilter filter) {
      this.call = call;
      this.cursor = after;
      this.filter = filter;
    }

    /** Called by gRPC when the client's window opened again. */
    void ready() {
      lock.lock();
      try {
        writable.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void run() {
      try {
        while (!call.isCancelled()) {
          EventFeed.Page page = feed.next(cursor, filter, BATCH, WAIT_NANOS);
          for (EventRecord e : page.events()) {
            awaitReady();
            call.onNext(toProto(e));
          }
          cursor = page.cursor();
        }
      } catch (EventFeed.CursorException e) {
        fail((e.gone() ? Status.OUT_OF_RANGE : Status.FAILED_PRECONDITION).withDescription(e.getMessage()));
      } catch (InterruptedException e) {
        // Cancelled by the client (nothing more to say) or the orchestrator is stopping.
        fail(Status.UNAVAILABLE.withDescription("the orchestrator is stopping; resume after " + cursor));
      } catch (RuntimeException e) {
        // The call was cancelled under us, or a bug: either way this subscription is over.
        log.debug("event=event_subscriber_ended after={} reason=\"{}\"", cursor, e.toString());
        fail(Status.INTERNAL.withDescription("the event stream failed; resume after " + cursor));
      } finally {
        serving.remove(Thread.currentThread());
        slots.release();
      }
    }

    private void awaitReady() throws InterruptedException {
      lock.lock();
      try {
        while (!call.isReady()) {
          if (call.isCancelled()) {
            throw new InterruptedException("cancelled");
          }
          writable.await(1, TimeUnit.SECONDS);
        }
      } finally {
        lock.unlock();
      }
    }

    private void fail(Status status) {
      if (call.isCancelled()) {
        return;
      }
      try {
        call.onError(status.asRuntimeException());
      } catch (RuntimeException alreadyClosed) {
        // Cancelled between the check and the call.
      }
    }
  }

  static Event toProto(EventRecord e) {
    return Event.newBuilder()
        .setSeq(e.seq())
        .setAtMs(e.at())
        .setType(e.type())
        .setJobId(e.jobId())
        .setTaskId(e.taskId().isEmpty() ? "" : e.jobId() + "." + e.taskId())
        .setAttempt(e.attempt())
        .setWorker(e.peerId())
        .setService(e.service())
        .setPrincipal(e.principal())
        .setActor(e.actor())
        .setFrom(e.from())
        .setTo(e.to())
        .setDetail(e.detail())
        .build();
  }

  /** Checks the caller's key before the call starts; a refused call never reaches the service. */
  private static final class Access implements ServerInterceptor {
    private final Authorizer authorizer;

    Access(Authorizer authorizer) {
      this.authorizer = authorizer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return switch (authorizer.authorize(headers.get(AUTHORIZATION), Scope.READ)) {
        case Authorizer.Decision.Allowed a -> next.startCall(call, headers);
        case Authorizer.Decision.Denied d -> {
          Status status =
              switch (d.status()) {
                case 401 -> Status.UNAUTHENTICATED;
                case 403 -> Status.PERMISSION_DENIED;
                case 429 -> Status.RESOURCE_EXHAUSTED;
                default -> Status.INTERNAL;
              };
          call.close(status.withDescription(d.message()), new Metadata());
          yield new ServerCall.Listener<>() {};
        }
      };
    }
  }
}
