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
 * The worker's one event loop: the orchestrator link (gRPC) and the connections to the owner's
 * model server run on the same thread, so an upstream answer read there is signed and sent to
 * the orchestrator without waking another thread (BENCHMARKS.md "Worker on one event loop").
 * What runs on it must not block: decoding, checking, signing, non-blocking writes.
 *
 * <p>The shaded Netty is gRPC's own copy: sharing its loop needs the same classes. One per
 * process, daemon threads, never shut down, like gRPC's default loop group it replaces.
 */
public final class EventLoops {

  private static final class Shared {
    static final EventLoops INSTANCE = new EventLoops(1);
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

  /** The loop the calling thread runs, so work started there stays there; else the next one. */
  public EventLoop here() {
    for (EventExecutor e : group) {
      if (e.inEventLoop()) {
        return (EventLoop) e;
      }
    }
    return group.next();
  }
}
