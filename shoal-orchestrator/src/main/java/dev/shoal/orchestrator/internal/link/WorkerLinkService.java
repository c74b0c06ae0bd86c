package dev.shoal.orchestrator.internal.link;

import dev.shoal.orchestrator.internal.core.Core;
import dev.shoal.orchestrator.internal.core.WorkerSession;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.ProtocolViolation;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator's end of the worker protocol: one bidirectional stream per worker. Each
 * inbound message is checked here, on the transport thread, before the core sees it; a message
 * that fails gets a {@code ProtocolError} naming it and changes nothing.
 */
public final class WorkerLinkService extends WorkerLinkGrpc.WorkerLinkImplBase {

  private static final Logger log = LoggerFactory.getLogger(WorkerLinkService.class);

  private final Core core;
  private final MessageValidator validator;
  private final List<ProtocolVersion> supported;
  private final java.util.function.LongSupplier clock;

  public WorkerLinkService(
      Core core, MessageValidator validator, List<ProtocolVersion> supported, java.util.function.LongSupplier clock) {
    this.core = core;
    this.validator = validator;
    this.supported = List.copyOf(supported);
    this.clock = clock;
  }

  @Override
  public StreamObserver<WorkerMessage> connect(StreamObserver<OrchestratorMessage> responses) {
    ServerCallStreamObserver<OrchestratorMessage> out = (ServerCallStreamObserver<OrchestratorMessage>) responses;
    GrpcWorkerChannel channel = new GrpcWorkerChannel(out);
    Stream stream = new Stream(channel, core.newSessionId());
    out.setOnCancelHandler(() -> stream.ended("stream cancelled"));
    return stream;
  }

  /** One worker stream: waits for Hello, then forwards checked messages to the core. */
  private final class Stream implements StreamObserver<WorkerMessage> {
    private final GrpcWorkerChannel channel;
    private final long sessionId;
    private volatile WorkerSession session;
    private volatile boolean ended;

    Stream(GrpcWorkerChannel channel, long sessionId) {
      this.channel = channel;
      this.sessionId = sessionId;
    }

    @Override
    public void onNext(WorkerMessage m) {
      if (ended) {
        return;
      }
      WorkerSession s = session;
      if (s == null) {
        hello(m);
        return;
      }
      try {
        switch (m.getBodyCase()) {
          case ACK -> {
            validator.checkAck(m.getAck());
            core.ack(s, m.getAck());
          }
          case RESULT -> {
            validator.checkResult(m.getResult());
            // Verified here, on the transport thread, before the core sees anything of it.
            if (ResultSignatures.verify(m.getResult(), s.verifier())) {
              core.result(s, m.getResult());
            } else {
              log.warn("event=result_forged peer={} attempt={}", s.peerId(), m.getResult().getAttempt().getAttempt());
              core.forged(s, m.getResult());
            }
          }
          case CHUNK -> {
            validator.checkChunk(m.getChunk());
            core.chunk(s, m.getChunk());
          }
          case HEARTBEAT -> {
            validator.checkHeartbeat(m.getHeartbeat());
            core.heartbeat(s, m.getHeartbeat());
          }
          case GOODBYE -> {
            ended = true;
            core.goodbye(s, clip(m.getGoodbye().getReason()));
          }
          case HELLO -> throw new ProtocolViolation(ErrorCode.ERROR_CODE_OUT_OF_ORDER, "a stream carries one Hello");
          case BODY_NOT_SET -> throw new ProtocolViolation(ErrorCode.ERROR_CODE_MALFORMED, "message has no body");
        }
      } catch (ProtocolViolation v) {
        log.warn("event=message_refused peer={} kind={} code={} message=\"{}\"", s.peerId(), kind(m), v.code(), v.getMessage());
        channel.send(OrchestratorMessage.newBuilder().setError(v.toError(kind(m))).build());
      }
    }

    private void hello(WorkerMessage m) {
      if (!m.hasHello()) {
        refuse(
            new ProtocolViolation(ErrorCode.ERROR_CODE_OUT_OF_ORDER, "the first message must be Hello, got " + kind(m)),
            Status.FAILED_PRECONDITION);
        return;
      }
      NodeDescriptor node;
      try {
        node = Hellos.open(m.getHello(), validator);
      } catch (ProtocolViolation v) {
        refuse(v, v.code() == ErrorCode.ERROR_CODE_UNAUTHENTICATED ? Status.UNAUTHENTICATED : Status.INVALID_ARGUMENT);
        return;
      }
      switch (ProtocolVersions.negotiate(supported, node.getProtocolVersionsList())) {
        case ProtocolVersions.Negotiation.Refused r -> {
          log.warn("event=worker_refused peer={} reason=\"{}\"", node.getPeerId(), r.message());
          refuse(new ProtocolViolation(ErrorCode.ERROR_CODE_VERSION_MISMATCH, r.message()), Status.FAILED_PRECONDITION);
        }
        case ProtocolVersions.Negotiation.Agreed a -> {
          WorkerSession s =
              new WorkerSession(sessionId, node, channel, ProtocolVersions.format(a.version()), clock.getAsLong());
          session = s;
          core.connected(s);
        }
      }
    }

    private void refuse(ProtocolViolation v, Status status) {
      ended = true;
      channel.send(
          OrchestratorMessage.newBuilder()
              .setError(ProtocolError.newBuilder().setCode(v.code()).setMessage(v.getMessage()).setSubject("hello"))
              .build());
      channel.close(status.withDescription(v.getMessage()));
    }

    @Override
    public void onError(Throwable t) {
      channel.markClosed();
      ended("stream broken: " + Status.fromThrowable(t).getCode());
    }

    @Override
    public void onCompleted() {
      ended("stream closed by the worker");
      channel.close(Status.OK);
    }

    void ended(String reason) {
      ended = true;
      WorkerSession s = session;
      if (s != null) {
        core.disconnected(s, reason);
      }
    }
  }

  private static String kind(WorkerMessage m) {
    return m.getBodyCase().name().toLowerCase();
  }

  private static String clip(String s) {
    return s.length() > 256 ? s.substring(0, 256) : s;
  }
}
