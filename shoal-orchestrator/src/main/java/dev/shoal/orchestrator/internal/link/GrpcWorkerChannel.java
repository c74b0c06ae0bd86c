package dev.shoal.orchestrator.internal.link;

import dev.shoal.orchestrator.internal.core.WorkerChannel;
import dev.shoal.protocol.v1.OrchestratorMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The outbound half of one worker stream. gRPC observers are not thread-safe, so sends are
 * serialised here; they never block (Netty queues the write on its event loop).
 */
final class GrpcWorkerChannel implements WorkerChannel {

  private final ServerCallStreamObserver<OrchestratorMessage> out;
  private boolean closed;

  GrpcWorkerChannel(ServerCallStreamObserver<OrchestratorMessage> out) {
    this.out = out;
  }

  @Override
  public synchronized void send(OrchestratorMessage message) {
    if (closed || out.isCancelled()) {
      return;
    }
    out.onNext(message);
  }

  @Override
  public synchronized void close(Status status) {
    if (closed) {
      return;
    }
    closed = true;
    if (out.isCancelled()) {
      return;
    }
    if (status.isOk()) {
      out.onCompleted();
    } else {
      out.onError(status.asRuntimeException());
    }
  }

  /** The peer ended the call; nothing more may be written. */
  synchronized void markClosed() {
    closed = true;
  }
}
