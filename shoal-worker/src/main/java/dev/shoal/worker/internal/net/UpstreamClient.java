package dev.shoal.worker.internal.net;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpClientCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaders;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.resolver.NoopAddressResolverGroup;
import io.grpc.netty.shaded.io.netty.util.NetUtil;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * An HTTP/1.1 client for the worker's model server that runs on the worker's event loop: a
 * request started on the loop is written from it at once, and the answer is read and handed
 * over on it, so no thread of the client's own wakes in between (the JDK client took a selector
 * thread and a pool thread per exchange, ~0.1 ms at p50 on two cores). An exchange started off
 * the loops runs on one chosen per client. Keep-alive connections are pooled per loop and reused
 * most-recent first.
 *
 * <p>A request on a pooled connection that the server closed before answering (it dropped an
 * idle keep-alive connection as the request went out) is sent once more on a new connection;
 * nothing else is retried. {@code https} uses the JDK's trust store and checks the host name.
 * Thread-safe; each exchange's callbacks run on its connection's loop, one at a time.
 */
public final class UpstreamClient implements AutoCloseable {

  /** What an exchange's answer goes to; called on the connection's loop, never concurrently. */
  public interface Response {

    /** The status line and headers arrived. */
    void onStatus(int status);

    /** The next bytes of the body; false once no more are wanted (the rest is skipped unseen). */
    boolean onContent(ByteBuffer bytes);

    /** The body ended; not called after {@link #onContent} said stop. */
    void onEnd();

    /**
     * The exchange failed; {@code answered} if the status had arrived. Not called after {@link
     * #onEnd}, after {@link #onContent} said stop, or after {@link Exchange#abort}.
     */
    void onFailure(Throwable cause, boolean answered);
  }

  /** One request in flight. */
  public interface Exchange {

    /** Stops the exchange from any thread: its connection is closed, which the server sees. */
    void abort();
  }

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  /** Pooled connections idle longer are closed rather than reused: servers drop idle ones. */
  private static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final int MAX_IDLE_PER_LOOP = 64;
  /** What is read past a stop to keep the connection (a stream's end after its last event). */
  private static final int MAX_SKIPPED_BYTES = 64 * 1024;
  private static final long SKIP_TIMEOUT_SECONDS = 5;

  private final EventLoops loops;
  /** Where exchanges started off the loops go, so they share one pool. */
  private final EventLoop home;
  private final String host;
  private final int port;
  private final String hostHeader;
  private final String basePath;
  private final SslContext ssl;
  private final Map<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param base the server's base URL ({@code http} or {@code https}); request paths are appended
   *     to its path
   * @throws IllegalArgumentException for another scheme or no host
   */
  public UpstreamClient(URI base, EventLoops loops) {
    this(base, loops, null);
  }

  /** With {@code trust} deciding which certificates {@code https} accepts; null for the JDK's. */
  UpstreamClient(URI base, EventLoops loops, TrustManagerFactory trust) {
    this.loops = loops;
    this.home = loops.group().next();
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("upstream URL must be http or https: " + base);
    }
    if (base.getHost() == null) {
      throw new IllegalArgumentException("upstream URL has no host: " + base);
    }
    String h = base.getHost();
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    int defaultPort = scheme.equals("https") ? 443 : 80;
    this.port = base.getPort() == -1 ? defaultPort : base.getPort();
    this.hostHeader = base.getPort() == -1 ? h : h + ":" + port;
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.ssl = scheme.equals("https") ? tls(trust) : null;
  }

  private static SslContext tls(TrustManagerFactory trust) {
    try {
      return SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .trustManager(trust)
          .endpointIdentificationAlgorithm("HTTPS")
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * POSTs {@code body} to the base path + {@code path}; on an event loop the request is written
   * before this returns. {@code headers} are name-value pairs added to Host, Content-Type
   * (JSON) and Content-Length.
   */
  public Exchange post(String path, byte[] body, Response response, String... headers) {
    Call call = new Call(loops.here(home), basePath + path, body, headers, response);
    if (call.loop.inEventLoop()) {
      call.begin(false);
    } else {
      call.loop.execute(() -> call.begin(false));
    }
    return call;
  }

  /** Closes every connection; exchanges in flight fail. */
  @Override
  public void close() {
    closed = true;
    open.forEach(Channel::close);
  }

  /** Connections open now, pooled or busy: what tests read to see reuse. */
  int openConnections() {
    return open.size();
  }

  private Channel takeIdle(EventLoop loop) {
    ArrayDeque<Channel> pool = idle.get(loop);
    Channel ch;
    while (pool != null && (ch = pool.pollLast()) != null) {
      Connection c = ch.pipeline().get(Connection.class);
      if (ch.isActive() && c != null && System.nanoTime() - c.idleSince < MAX_IDLE_NANOS) {
        return ch;
      }
      ch.close();
    }
    return null;
  }

  private void giveBack(Channel ch, Connection c) {
    if (closed) {
      ch.close();
      return;
    }
    c.idleSince = System.nanoTime();
    ArrayDeque<Channel> pool = idle.computeIfAbsent(ch.eventLoop(), l -> new ArrayDeque<>());
    pool.addLast(ch);
    if (pool.size() > MAX_IDLE_PER_LOOP) {
      pool.pollFirst().close();
    }
  }

  /** One exchange; its fields are touched only on {@link #loop}, except {@link #aborted}. */
  private final class Call implements Exchange {
    final EventLoop loop;
    final String target;
    final byte[] body;
    final String[] headers;
    final Response response;
    volatile boolean aborted;
    /** Nothing more goes to the response: it ended, failed, said stop, or was aborted. */
    boolean over;
    boolean answered;
    boolean retried;
    Channel channel;

    Call(EventLoop loop, String target, byte[] body, String[] headers, Response response) {
      this.loop = loop;
      this.target = target;
      this.body = body;
      this.headers = headers;
      this.response = response;
    }

    /** Sends on a pooled connection, or a new one ({@code fresh}: a retry never takes a pooled one). */
    void begin(boolean fresh) {
      if (aborted || over) {
        over = true;
        return;
      }
      if (closed) {
        fail(new IOException("the worker's upstream client is closed"));
        return;
      }
      Channel ch = fresh ? null : takeIdle(loop);
      if (ch != null) {
        send(ch, true);
      } else if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
        connect(new InetSocketAddress(host, port));
      } else {
        // A host name: the lookup may block, so it runs off the loop (new connections only).
        Thread.ofVirtual().name("shoal-upstream-lookup").start(() -> {
          InetSocketAddress address = new InetSocketAddress(host, port);
          loop.execute(() -> connect(address));
        });
      }
    }

    private void connect(InetSocketAddress address) {
      if (aborted) {
        over = true;
        return;
      }
      if (address.isUnresolved()) {
        fail(new UnknownHostException(host));
        return;
      }
      new Bootstrap()
          .group(loop)
          .channel(loops.socketChannel())
          .resolver(NoopAddressResolverGroup.INSTANCE)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              if (ssl != null) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
              }
              ch.pipeline().addLast(new HttpClientCodec(), new Connection());
            }
          })
          .connect(address)
          .addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              fail(cannotConnect(f.cause()));
            } else {
              open.add(f.channel());
              f.channel().closeFuture().addListener(c -> open.remove(f.channel()));
              send(f.channel(), false);
            }
          });
    }

    /** Says where and why in the owner's words, not the native transport's ("finishConnect(..) failed with error(-111)"). */
    private ConnectException cannotConnect(Throwable cause) {
      String m = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      String why = m.contains("Connection refused") ? "connection refused" : m;
      ConnectException e = new ConnectException("cannot connect to " + host + ":" + port + ": " + why);
      e.initCause(cause);
      return e;
    }

    private void send(Channel ch, boolean reused) {
      Connection c = ch.pipeline().get(Connection.class);
      if (aborted || c == null) {
        over = true;
        if (c != null) {
          giveBack(ch, c);
        }
        return;
      }
      channel = ch;
      c.start(this, reused);
      DefaultFullHttpRequest request =
          new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target, Unpooled.wrappedBuffer(body));
      HttpHeaders h = request.headers();
      h.set(HttpHeaderNames.HOST, hostHeader)
          .set(HttpHeaderNames.USER_AGENT, "shoal-worker")
          .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      for (int i = 0; i + 1 < headers.length; i += 2) {
        h.set(headers[i], headers[i + 1]);
      }
      ch.writeAndFlush(request).addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess()) {
          c.broken(f.cause());
        }
      });
    }

    void fail(Throwable cause) {
      if (!over) {
        over = true;
        response.onFailure(cause, answered);
      }
    }

    @Override
    public void abort() {
      aborted = true;
      Runnable stop = () -> {
        if (!over) {
          over = true;
          if (channel != null) {
            channel.close();
          }
        }
      };
      if (loop.inEventLoop()) {
        stop.run();
      } else {
        loop.execute(stop);
      }
    }
  }

  /** A connection's state between exchanges, and the reading of one answer. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private Call current;
    private boolean reused;
    private boolean keepAlive;
    /** The call said stop: the rest of its answer is read and dropped so the connection stays. */
    private boolean skipping;
    private long skipped;
    private ScheduledFuture<?> skipDeadline;
    private Throwable cause;
    long idleSince;

    void start(Call call, boolean reused) {
      this.current = call;
      this.reused = reused;
      this.keepAlive = false;
      this.skipping = false;
      this.skipped = 0;
      this.cause = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        read(ctx.channel(), msg);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void read(Channel ch, Object msg) {
      Call call = current;
      if (call == null && !skipping) {
        // Bytes nobody asked for: the connection cannot be trusted to frame the next answer.
        ch.close();
        return;
      }
      if (msg instanceof HttpResponse r) {
        if (r.decoderResult().isFailure()) {
          broken(new IOException("malformed answer: " + r.decoderResult().cause().getMessage(), r.decoderResult().cause()));
          return;
        }
        if (r.status().code() == 100) {
          return;
        }
        keepAlive = HttpUtil.isKeepAlive(r);
        call.answered = true;
        if (!call.over) {
          call.response.onStatus(r.status().code());
        }
      }
      if (msg instanceof HttpContent content) {
        if (content.decoderResult().isFailure()) {
          broken(new IOException("malformed answer body: " + content.decoderResult().cause().getMessage(), content.decoderResult().cause()));
          return;
        }
        ByteBuf bytes = content.content();
        if (call != null && !call.over && bytes.isReadable()) {
          if (!call.response.onContent(bytes.nioBuffer())) {
            call.over = true;
            skipFrom(ch);
          }
        } else if (skipping) {
          skipped += bytes.readableBytes();
          if (skipped > MAX_SKIPPED_BYTES) {
            ch.close();
            return;
          }
        }
        if (msg instanceof LastHttpContent) {
          ended(ch, call);
        }
      }
    }

    private void skipFrom(Channel ch) {
      skipping = true;
      skipDeadline = ch.eventLoop().schedule(() -> {
        if (skipping) {
          ch.close();
        }
      }, SKIP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private void ended(Channel ch, Call call) {
      current = null;
      if (skipDeadline != null) {
        skipDeadline.cancel(false);
        skipDeadline = null;
      }
      skipping = false;
      if (keepAlive && (call == null || !call.aborted)) {
        giveBack(ch, this);
      } else {
        ch.close();
      }
      if (call != null && !call.over) {
        call.over = true;
        call.response.onEnd();
      }
    }

    /** The connection failed while in use: report once it has closed. */
    void broken(Throwable t) {
      if (cause == null) {
        cause = t;
      }
      if (current != null) {
        current.channel.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
      broken(t);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ArrayDeque<Channel> pool = idle.get(ctx.channel().eventLoop());
      if (pool != null) {
        pool.remove(ctx.channel());
      }
      Call call = current;
      current = null;
      skipping = false;
      if (call == null || call.over) {
        return;
      }
      if (reused && !call.answered && !call.retried && !call.aborted) {
        call.retried = true;
        call.begin(true);
        return;
      }
      String when = call.answered ? "before its answer ended" : "before answering";
      IOException e = new IOException("the connection closed " + when + (cause == null ? "" : ": " + cause.getMessage()));
      if (cause != null) {
        e.initCause(cause);
      }
      call.fail(e);
    }
  }
}
