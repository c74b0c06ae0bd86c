package dev.shoal.worker.internal.net;

import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;

/**
 * The worker's event loops: an orchestrator link (gRPC) runs on one of them, and the connections
 * to the owner's model server that its tasks open run on that same loop ({@link #here}), so an
 * upstream answer read there is signed and sent to the orchestrator without waking another
 * thread (BENCHMARKS.md "Worker on one event loop"). What runs on them must not block: decoding,
 * checking, signing, non-blocking writes.
 *
 * <p>The shaded Netty is gRPC's own copy: sharing its loops needs the same classes. One group per
 * process, a loop per core (several workers in one JVM, as in a local mesh, spread over them),
 * daemon threads, never shut down, like gRPC's default group it replaces.
 */
public final class EventLoops {

  private static final class Shared {
    static final EventLoops INSTANCE = new EventLoops(Runtime.getRuntime().availableProcessors());
  }

  private final EventLoopGroup group;
  private final Class<? extends SocketChannel> socketChannel;

  private EventLoops(int threads) {
    DefaultThreadFactory factory = new DefaultThreadFactory("shoal-worker-io", true);
    if (Epoll.isAvailable()) {
      this.group = new MultiThreadIoEventLoopGroup(threads, factory, EpollIoHandler.newFactory());
      this.socketChannel = EpollSocketChannel.class;
    } else {
      this.group = new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory());
      this.socketChannel = NioSocketChannel.class;
    }
  }

  /** The process's loops, started on first use. */
  public static EventLoops shared() {
    return Shared.INSTANCE;
  }

  public EventLoopGroup group() {
    return group;
  }

  /** The socket channel type these loops run (epoll where the native transport loads, else NIO). */
  public Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }

  /** The loop the calling thread runs, so work started there stays there; else {@code otherwise}. */
  public EventLoop here(EventLoop otherwise) {
    for (EventExecutor e : group) {
      if (e.inEventLoop()) {
        return (EventLoop) e;
      }
    }
    return otherwise;
  }
}
