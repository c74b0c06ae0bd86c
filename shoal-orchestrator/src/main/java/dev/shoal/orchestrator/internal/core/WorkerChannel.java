package dev.shoal.orchestrator.internal.core;

import dev.shoal.protocol.v1.OrchestratorMessage;

/** The core's way to talk to one connected worker; the transport decides how. Thread-safe. */
public interface WorkerChannel {

  /** Queues a message to the worker; never blocks. Dropped silently once closed. */
  void send(OrchestratorMessage message);

  /** Ends the stream with an explanation; the worker sees the gRPC status. */
  void close(io.grpc.Status status);
}
