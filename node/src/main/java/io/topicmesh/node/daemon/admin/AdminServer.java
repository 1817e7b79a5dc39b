package io.topicmesh.node.daemon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.pubsub.router.BatchPublishException;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PublishException;
import io.topicmesh.node.pubsub.router.PublishResult;
import io.topicmesh.node.pubsub.router.ReceivedMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API of a node (JSON; HTTP/1.1 on netty, on its own port).
 *
 * <pre>
 * GET    /healthz                       liveness (no token by default): 503 when the heartbeat stalled
 * GET    /readyz                        readiness (no token by default)
 * GET    /metrics                       Prometheus text (no token by default: read-only figures)
 * GET    /ui/                           the mesh view, a static page (no token: it holds no data; its
 *                                       script reads /v1/status with the token the user gives it)
 * GET    /v1/status                     peer id, addrs, version, uptime, peers, topics, params, traffic
 * GET    /v1/params                     effective gossipsub parameters
 * PUT    /v1/params                     some or all members; validated; applied at the next heartbeat
 * GET    /v1/topics                     subscribed topics, each with its settings
 * PUT    /v1/topics/{t}                 subscribe (201, or 200 when already subscribed); an optional body
 *                                       {"name", "validation", "score"} (a node.yaml topics entry) applies
 *                                       the topic's settings live, replacing the previous ones
 * DELETE /v1/topics/{t}                 unsubscribe (204; 404 when not subscribed)
 * POST   /v1/topics/{t}/publish         body: raw bytes, or JSON {"data": text} / {"base64": …}
 * GET|PUT|DELETE /v1/topics/{t}/partial   partial messages on the topic: {"mode": "request"|"support"}
 *        (PUT), the mode and groups held (GET); POST /v1/topics/{t}/partial-publish and
 *        /partial-request publish parts and ask for the missing ones (docs/pubsub-router.md)
 * POST   /v1/topics/{t}/publish-batch   JSON {"messages": [{"data": text} | {"base64": …}, …]}: every
 *                                       message's first copy goes out before any second copy
 * GET    /v1/topics/{t}/messages        server-sent events, one per delivered message; ?limit=N ends after N
 * </pre>
 *
 * Errors are {@code {"code": …, "message": …, "status": "429 Too Many Requests"}} with a 4xx status
 * for anything the client got wrong; the status line carries the same reason phrase ({@link
 * HttpStatus}). Who may call what is {@link AdminAuth}'s policy (scoped bearer tokens, compared in
 * constant time; 401 without a known token, 403 without the scope); TLS is optional ({@link
 * AdminTls}). A failed publish maps in {@link #publishFailure}: 503 when retrying later or through
 * another node can succeed (a full validation queue, shutdown).
 *
 * <h2>Design: transport and handling apart</h2>
 *
 * <ul>
 *   <li><b>Transport</b> (netty, one event-loop thread of its own): [{@link SslHandler}] →
 *       {@link HttpServerCodec} (request line ≤ 4096, headers ≤ 16 KiB) → {@link HttpObjectAggregator}
 *       bounded by {@code maxBody} (an oversized body is answered with the JSON 413 and the rest of it
 *       discarded) → {@link IdleStateHandler} ({@link #IDLE} without traffic closes a connection) →
 *       the per-connection {@link Connection}. At most {@link #MAX_CONNECTIONS} connections; beyond
 *       that a new one is closed at once. Keep-alive as HTTP/1.1 says; one request per connection at
 *       a time (reading pauses while a request is handled, so pipelined answers keep their order).
 *       Every status goes out with its reason phrase from {@link HttpStatus} ({@code 429 Too Many
 *       Requests}, {@code 422 Unprocessable Content}), which the JDK server could not send.
 *   <li><b>Handling</b> ({@link #handle}: routing, auth, params, topics, publish, publish-batch) is
 *       transport-free: a {@link Request} (method, raw path and query, headers, the whole body) in,
 *       a {@link Response} out. It may block (publish waits up to 10 s, router calls), so it runs on
 *       a bounded executor ({@link #THREADS} threads, {@link #MAX_PENDING_REQUESTS} queued; beyond
 *       that 503 {@code busy}), never on the event loop.
 *   <li><b>Message streams</b> ({@link SseStream}): the handler checks the request and registers a
 *       listener that puts each delivery in a bounded queue ({@link #STREAM_BUFFER}) and schedules a
 *       drain on the connection's event loop; the drain writes events while the channel is writable.
 *       A full queue counts drops, reported as {@code event: dropped} before the next event; a
 *       timer writes a {@code : keepalive} comment every 15 s and ends the stream when the topic is
 *       unsubscribed. No thread is held per stream; at most {@link #MAX_STREAMS} (429 beyond).
 *   <li><b>TLS</b>: a JDK {@link SSLEngine} from {@link AdminTls#sslContext()} (TLS 1.3 and 1.2, no
 *       client certificates), so the PEM files are re-read on a handshake as before; the engine's
 *       delegated tasks (where the key manager runs) go to the handler executor.
 * </ul>
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** Concurrent message streams. */
  static final int MAX_STREAMS = 8;
  /** Handler threads (requests that may block). */
  static final int THREADS = 16;
  /** Requests waiting for a handler thread; beyond it 503. */
  static final int MAX_PENDING_REQUESTS = 1024;
  /** Messages buffered per stream client; beyond it messages are dropped for that client. */
  static final int STREAM_BUFFER = 1024;
  /** Requests one connection may pipeline behind the one in flight; beyond it the connection is closed. */
  static final int MAX_PIPELINED = 16;
  /** Open connections; a connection beyond it is closed at once. */
  static final int MAX_CONNECTIONS = 256;
  /** A connection without traffic for this long is closed (streams write a comment every 15 s). */
  static final java.time.Duration IDLE = java.time.Duration.ofSeconds(60);
  /** How often a stream writes a comment (and checks that its topic is still subscribed). */
  static final java.time.Duration STREAM_KEEPALIVE = java.time.Duration.ofSeconds(15);
  /** Messages in one publish-batch request (the router's bound). */
  static final int MAX_BATCH = GossipRouter.MAX_BATCH;
  /** Bound on a JSON body's nesting. */
  static final int MAX_JSON_DEPTH = 16;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS);

  static {
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH)
        .maxNumberLength(64).maxStringLength(64 << 20).build());
  }

  private final Daemon node;
  private final AdminAuth auth;
  private final int maxBody;
  private final AdminTls tls;
  private final SSLContext sslContext;
  private final ThreadPoolExecutor executor;
  private final EventLoopGroup group;
  private final ChannelGroup channels = new DefaultChannelGroup("topicmesh-admin", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong refusedConnections = new AtomicLong();
  private final Channel serverChannel;
  private final Semaphore streams = new Semaphore(MAX_STREAMS);
  private final UiHandler ui = new UiHandler();
  private volatile boolean closed;

  /**
   * @param token the bearer token with the admin scope, or null for none (then bind only to loopback)
   */
  public AdminServer(Daemon node, InetSocketAddress bind, String token, int maxBody) throws IOException {
    this(node, bind, AdminAuth.single(token), null, maxBody);
  }

  /**
   * Binds the port now; connections are accepted from {@link #start()}.
   *
   * @param auth the tokens and which endpoints need them ({@link AdminAuth#none()}: bind only to loopback)
   * @param tls the serving certificate, or null for plain HTTP
   */
  public AdminServer(Daemon node, InetSocketAddress bind, AdminAuth auth, AdminTls tls, int maxBody) throws IOException {
    this.node = node;
    this.auth = auth;
    this.maxBody = maxBody;
    this.tls = tls;
    this.sslContext = tls == null ? null : tls.sslContext();
    AtomicLong n = new AtomicLong();
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_PENDING_REQUESTS), r -> {
          Thread t = new Thread(r, "topicmesh-admin-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("topicmesh-admin-io", true),
        NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 64)
        .option(ChannelOption.SO_REUSEADDR, true)
        // accept nothing before start(), as the JDK server did
        .option(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            initConnection(ch);
          }
        });
    var bound = b.bind(bind).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      executor.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      Throwable c = bound.cause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot bind the admin API to " + bind + ": " + c, c);
    }
    this.serverChannel = bound.channel();
  }

  public void start() {
    serverChannel.config().setAutoRead(true);
    log.info("admin API listening on {} {} auth={}", scheme(), address(),
        auth.enabled() ? "bearer " + auth.scopes().stream().map(AdminScope::label).toList()
            + (auth.protectMetrics() ? " metrics=token" : " metrics=open")
            + (auth.protectHealth() ? " health=token" : " health=open") : "none");
  }

  /** {@code https} with TLS, else {@code http}. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    executor.shutdownNow();
    if (!group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS)) {
      log.warn("admin API event loop did not stop within 5 s; leaving it (daemon thread)");
    }
  }

  /** Connections open now (tests). */
  int openConnections() {
    return connections.get();
  }

  // ---- transport: netty ---------------------------------------------------------------------

  private void initConnection(SocketChannel ch) {
    if (closed || connections.incrementAndGet() > MAX_CONNECTIONS) {
      connections.decrementAndGet();
      if (refusedConnections.getAndIncrement() % 100 == 0) {
        log.warn("admin API refused a connection from {}: {} connections open, the maximum ({} refused so far)",
            ch.remoteAddress(), MAX_CONNECTIONS, refusedConnections.get());
      }
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> connections.decrementAndGet());
    channels.add(ch);
    ChannelPipeline p = ch.pipeline();
    if (sslContext != null) {
      SSLEngine engine = sslContext.createSSLEngine();
      engine.setUseClientMode(false);
      SSLParameters params = engine.getSSLParameters();
      params.setProtocols(Arrays.stream(engine.getSupportedProtocols())
          .filter(v -> v.equals("TLSv1.3") || v.equals("TLSv1.2")).toArray(String[]::new));
      params.setNeedClientAuth(false);
      engine.setSSLParameters(params);
      // the key manager (which may re-read the PEM files) runs in delegated tasks: off the event loop
      Executor delegated = task -> {
        try {
          executor.execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      };
      p.addLast("tls", new SslHandler(engine, delegated));
    }
    p.addLast("http", new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(4096)
        .setMaxHeaderSize(16 * 1024)));
    p.addLast("aggregate", new BodyLimit(maxBody));
    p.addLast("idle", new IdleStateHandler(0, 0, IDLE.toSeconds(), TimeUnit.SECONDS));
    p.addLast("admin", new Connection());
  }

  /** The aggregator, answering an oversized body with the API's JSON 413 (then discarding the rest of it). */
  private static final class BodyLimit extends HttpObjectAggregator {
    BodyLimit(int maxBody) {
      super(maxBody);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      if (!(oversized instanceof HttpRequest req)) {
        ctx.close();
        return;
      }
      long n = HttpUtil.getContentLength(req, -1L);
      String m = n >= 0 ? "body of " + n + " bytes exceeds the limit of " + maxContentLength()
          : "body exceeds the limit of " + maxContentLength() + " bytes";
      boolean keep = !(oversized instanceof io.netty.handler.codec.http.FullHttpMessage) && HttpUtil.isKeepAlive(req);
      FullHttpResponse r = toNetty(error(413, "too_large", m), false);
      HttpUtil.setKeepAlive(r, keep);
      var f = ctx.writeAndFlush(r);
      f.addListener(keep ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }
  }

  /** One connection: hands each request to the executor and writes its answer, in order. */
  private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** Requests a client pipelined behind the one in flight, answered in order. */
    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    private SseStream streaming;
    private boolean busy;

    /** A request to answer: handled on the executor, or already answered (a malformed request). */
    private record Pending(Request request, Response answer, boolean keepAlive, boolean head) {}

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (streaming != null) {
        // a stream's connection carries nothing else
        ctx.close();
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      boolean head = req.method().name().equals("HEAD");
      Pending p;
      if (req.decoderResult().isFailure()) {
        Throwable c = req.decoderResult().cause();
        Response r = c instanceof TooLongHttpHeaderException
            ? error(431, "bad_request", "request headers longer than 16 KiB")
            : c instanceof TooLongHttpLineException
                ? error(414, "uri_too_long", "request line longer than 4096 characters")
                : error(400, "bad_request", "malformed HTTP request: " + c.getMessage());
        p = new Pending(null, r, false, false);
      } else {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String rawQuery = uri.rawQuery();
        p = new Pending(new Request(req.method().name(), uri.rawPath(),
            rawQuery.isEmpty() && !req.uri().contains("?") ? null : rawQuery, req.headers().copy(),
            ByteBufUtil.getBytes(req.content())), null, keepAlive, head);
      }
      // reading pauses while a request is handled; what was read already waits here, in order
      ctx.channel().config().setAutoRead(false);
      if (busy) {
        if (pending.size() >= MAX_PIPELINED) {
          log.debug("admin connection {} pipelined more than {} requests, closed", ctx.channel().remoteAddress(),
              MAX_PIPELINED);
          ctx.close();
          return;
        }
        pending.add(p);
        return;
      }
      dispatch(ctx, p);
    }

    private void dispatch(ChannelHandlerContext ctx, Pending p) {
      busy = true;
      if (p.answer() != null) {
        write(ctx, p.answer(), p.keepAlive(), p.head());
        return;
      }
      try {
        executor.execute(() -> {
          Response r = handle(p.request());
          try {
            ctx.executor().execute(() -> write(ctx, r, p.keepAlive(), p.head()));
          } catch (RejectedExecutionException e) {
            // the event loop stopped (close()): the answer has no connection left
            if (r.stream() != null) {
              r.stream().release();
            }
          }
        });
      } catch (RejectedExecutionException e) {
        write(ctx, error(503, "busy", "the admin API has " + MAX_PENDING_REQUESTS
            + " requests waiting; retry later"), p.keepAlive(), p.head());
      }
    }

    /** On the event loop: the answer to the request in flight. */
    private void write(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head) {
      busy = false;
      if (r.stream() != null) {
        if (!ctx.channel().isActive()) {
          r.stream().release();
          return;
        }
        streaming = r.stream();
        pending.clear();
        HttpResponse start = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(r.status()));
        r.headers().forEach((k, v) -> start.headers().set(k, v));
        HttpUtil.setTransferEncodingChunked(start, true);
        ctx.write(start);
        streaming.attach(ctx);
        // read again, so that a client closing the stream is noticed at once
        ctx.channel().config().setAutoRead(true);
        return;
      }
      FullHttpResponse out = toNetty(r, head);
      HttpUtil.setKeepAlive(out, keepAlive);
      var f = ctx.writeAndFlush(out);
      if (!keepAlive) {
        pending.clear();
        f.addListener(ChannelFutureListener.CLOSE);
        return;
      }
      f.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      Pending next = pending.poll();
      if (next != null) {
        dispatch(ctx, next);
      } else {
        ctx.channel().config().setAutoRead(true);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (streaming != null && ctx.channel().isWritable()) {
        streaming.schedule();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && !busy) {
        log.debug("admin connection {} idle for {} s, closed", ctx.channel().remoteAddress(), IDLE.toSeconds());
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a client that went away, a failed handshake: expected network failures, no trace
      log.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static HttpResponseStatus status(int code) {
    String phrase = HttpStatus.reasonPhrase(code);
    return phrase.isEmpty() ? HttpResponseStatus.valueOf(code) : new HttpResponseStatus(code, phrase);
  }

  private static FullHttpResponse toNetty(Response r, boolean head) {
    byte[] body = r.body();
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(r.status()),
        body == null || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    r.headers().forEach((k, v) -> out.headers().set(k, v));
    if (r.status() != 204) {
      out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
    }
    return out;
  }

  /**
   * A message stream on one connection: deliveries go to a bounded queue (the router's thread never
   * waits), and the connection's event loop drains it while the channel is writable.
   */
  final class SseStream {
    private final String topic;
    private final long limit;
    private final ArrayBlockingQueue<ReceivedMessage> queue = new ArrayBlockingQueue<>(STREAM_BUFFER);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    final Consumer<ReceivedMessage> listener = this::offer;
    private volatile ChannelHandlerContext ctx;
    private ScheduledFuture<?> keepalive;
    private long sent;
    private long reportedDrops;
    private boolean ended;

    SseStream(String topic, long limit) {
      this.topic = topic;
      this.limit = limit;
    }

    /** The router's thread: never blocks. */
    private void offer(ReceivedMessage m) {
      if (!queue.offer(m)) {
        dropped.incrementAndGet();
      }
      schedule();
    }

    void schedule() {
      ChannelHandlerContext c = ctx;
      if (c != null && scheduled.compareAndSet(false, true)) {
        c.executor().execute(this::drain);
      }
    }

    /** On the event loop, once the response head is written. */
    void attach(ChannelHandlerContext c) {
      this.ctx = c;
      c.channel().closeFuture().addListener(f -> release());
      write(": subscribed\n\n");
      c.flush();
      keepalive = c.executor().scheduleAtFixedRate(this::tick, STREAM_KEEPALIVE.toMillis(),
          STREAM_KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS);
      schedule();
    }

    private void write(String text) {
      ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    private void reportDrops() {
      long d = dropped.get();
      if (d != reportedDrops) {
        write("event: dropped\ndata: {\"dropped\":" + d + "}\n\n");
        reportedDrops = d;
      }
    }

    private void drain() {
      scheduled.set(false);
      if (ended) {
        return;
      }
      boolean wrote = false;
      while (sent < limit && ctx.channel().isWritable()) {
        ReceivedMessage m = queue.poll();
        if (m == null) {
          break;
        }
        reportDrops();
        String id = HexFormat.of().formatHex(m.id().bytes().toByteArray());
        try {
          write("id: " + id + "\nevent: message\ndata: " + JSON.writeValueAsString(event(id, m)) + "\n\n");
        } catch (JsonProcessingException e) {
          log.warn("admin stream topic={} cannot encode message {}: {}", topic, id, e.toString());
          continue;
        }
        sent++;
        wrote = true;
      }
      if (sent >= limit) {
        end();
      } else if (wrote) {
        ctx.flush();
      }
    }

    private void tick() {
      if (ended) {
        return;
      }
      if (closed || !node.subscribed(topic)) {
        end();
        return;
      }
      reportDrops();
      write(": keepalive\n\n");
      ctx.flush();
    }

    /** Ends the response and the connection. */
    private void end() {
      ended = true;
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
      release();
    }

    /** Once: the listener off the router, the slot back, the timer stopped. */
    void release() {
      if (released.compareAndSet(false, true)) {
        node.removeListener(topic, listener);
        streams.release();
        if (keepalive != null) {
          keepalive.cancel(false);
        }
      }
    }
  }

  // ---- handling: transport-free ---------------------------------------------------------------

  /** One request as the handlers see it: the whole body, already bounded by the transport. */
  record Request(String method, String rawPath, String rawQuery, HttpHeaders headers, byte[] body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** One answer: a status, headers and a body (null: none), or a message stream to start. */
  record Response(int status, Map<String, String> headers, byte[] body, SseStream stream) {
    static Response json(int status, Object body) {
      try {
        return new Response(status, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(body), null);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot encode a response as JSON: " + e.getOriginalMessage(), e);
      }
    }
  }

  /** The answer to one request; never throws. */
  Response handle(Request ex) {
    try {
      return route(ex);
    } catch (ApiException e) {
      return error(e.status(), e.code(), e.getMessage());
    } catch (ConfigException e) {
      return error(400, "invalid_params", e.getMessage());
    } catch (RuntimeException e) {
      log.warn("admin {} {} failed: {}", ex.method(), ex.rawPath(), e.toString());
      return error(500, "internal", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private Response route(Request ex) {
    String method = ex.method();
    String path = ex.rawPath();
    if (path.length() > 2048) {
      throw new ApiException(414, "uri_too_long", "request path longer than 2048 characters");
    }
    auth.check(method, path, ex.header("Authorization"));
    switch (path) {
      case "/healthz" -> {
        only(method, "GET");
        boolean live = node.live();
        return Response.json(live ? 200 : 503, Map.of("live", live));
      }
      case "/readyz" -> {
        only(method, "GET");
        Daemon.Readiness r = node.readiness();
        return Response.json(r.ready() ? 200 : 503, Map.of("ready", r.ready(), "reason", r.reason()));
      }
      case "/metrics" -> {
        only(method, "GET");
        if (!(node.registry() instanceof PrometheusMeterRegistry prom)) {
          throw new ApiException(404, "not_found", "this node has no Prometheus registry");
        }
        return new Response(200, Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
            prom.scrape().getBytes(StandardCharsets.UTF_8), null);
      }
      default -> { }
    }
    if (UiHandler.handles(path)) {
      UiHandler.Reply r = ui.reply(method, path);
      return new Response(r.status(), r.headers(), r.body(), null);
    }
    if (path.equals("/v1/status")) {
      only(method, "GET");
      return Response.json(200, node.status());
    } else if (path.equals("/v1/params")) {
      return params(ex, method);
    } else if (path.equals("/v1/topics")) {
      only(method, "GET");
      List<Map<String, Object>> all = new java.util.ArrayList<>();
      for (String t : node.router().subscriptions().stream().sorted().toList()) {
        all.add(node.topicSettings(t));
      }
      return Response.json(200, Map.of("topics", all));
    } else if (path.startsWith("/v1/topics/")) {
      return topics(ex, method, path.substring("/v1/topics/".length()));
    }
    throw new ApiException(404, "not_found", "no such endpoint: " + path);
  }

  private static void only(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new ApiException(405, "method_not_allowed", method + " not allowed; use " + String.join(" or ", allowed));
  }

  // ---- /v1/params -------------------------------------------------------------------------

  private Response params(Request ex, String method) {
    only(method, "GET", "PUT");
    if (method.equals("GET")) {
      return Response.json(200, ParamsCodec.toJson(node.router().params()));
    }
    Map<String, Object> changes = paramsBody(readBody(ex));
    // merged onto the last set (maybe still pending), so two PUTs within one heartbeat compose
    GossipParams next = node.updateParams(changes);
    return Response.json(200, ParamsCodec.toJson(next));
  }

  /** The body of {@code PUT /v1/params}: parameter names to numbers or booleans. */
  static Map<String, Object> paramsBody(byte[] raw) {
    JsonNode body = parseJson(raw);
    if (!body.isObject()) {
      throw new ApiException(400, "bad_request", "body must be a JSON object of parameters");
    }
    Map<String, Object> changes = new LinkedHashMap<>();
    for (var it = body.properties().iterator(); it.hasNext();) {
      var e = it.next();
      changes.put(e.getKey(), scalar(e.getKey(), e.getValue()));
    }
    return changes;
  }

  private static Object scalar(String field, JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        throw new ConfigException(field, v.asText(), "must be a 32-bit integer");
      }
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    throw new ConfigException(field, v.toString(), "must be a number or a boolean");
  }

  // ---- /v1/topics/{t}[/publish|/messages] ---------------------------------------------------

  private Response topics(Request ex, String method, String rest) {
    String[] parts = rest.split("/", -1);
    String action = null;
    if (parts.length == 2) {
      action = parts[1];
    } else if (parts.length != 1) {
      throw new ApiException(404, "not_found", "no such endpoint: /v1/topics/" + rest
          + " (a '/' inside a topic name is written %2F)");
    }
    String topic = topic(parts[0]);
    if (action == null) {
      only(method, "PUT", "DELETE");
      if (method.equals("PUT")) {
        byte[] raw = readBody(ex);
        boolean fresh;
        try {
          if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank()) {
            fresh = node.subscribe(topic); // no body: subscribe, settings unchanged
          } else {
            fresh = node.applyTopic(ConfigLoader.topic(topicBody(raw), topic));
          }
        } catch (IllegalStateException e) {
          throw new ApiException(409, "too_many_topics", e.getMessage());
        }
        return Response.json(fresh ? 201 : 200, node.topicSettings(topic));
      }
      if (!node.unsubscribe(topic)) {
        throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic);
      }
      return new Response(204, Map.of(), null, null);
    }
    return switch (action) {
      case "publish" -> {
        only(method, "POST");
        yield publish(ex, topic);
      }
      case "publish-batch" -> {
        only(method, "POST");
        yield publishBatch(ex, topic);
      }
      case "messages" -> {
        only(method, "GET");
        yield stream(ex, topic);
      }
      case "partial" -> {
        only(method, "GET", "PUT", "DELETE");
        yield partial(ex, method, topic);
      }
      case "partial-publish", "partial-request" -> {
        only(method, "POST");
        yield partialPublish(ex, topic, action.equals("partial-request"));
      }
      default -> throw new ApiException(404, "not_found", "no such endpoint: /v1/topics/{topic}/" + action);
    };
  }

  /** The body of {@code PUT /v1/topics/{t}}: one {@code topics:} entry of node.yaml, as a JSON object. */
  static Map<?, ?> topicBody(byte[] raw) {
    JsonNode body = parseJson(raw);
    if (!body.isObject()) {
      throw new ApiException(400, "bad_request", "body must be a JSON object {\"name\", \"validation\", \"score\"}"
          + " like one entry of node.yaml's topics list");
    }
    JsonNode score = body.get("score");
    if (score != null && score.isObject()) {
      for (var it = score.properties().iterator(); it.hasNext();) {
        var e = it.next();
        JsonNode v = e.getValue();
        if (!v.isNumber() && !v.isBoolean()) {
          throw new ConfigException("score." + e.getKey(), v.toString(), "must be a number");
        }
        if (v.isIntegralNumber() && !v.canConvertToLong()) {
          throw new ConfigException("score." + e.getKey(), v.asText(), "must be a number of at most 64 bits");
        }
      }
    }
    return JSON.convertValue(body, Map.class);
  }

  private static String topic(String raw) {
    String t;
    try {
      t = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid_topic", "topic is not valid percent-encoding");
    }
    if (!io.topicmesh.api.TopicNames.isValid(t)) {
      throw new ApiException(400, "invalid_topic", "topic must be " + io.topicmesh.api.TopicNames.RULE);
    }
    return t;
  }

  private Response publish(Request ex, String topic) {
    String ct = ex.header("Content-Type");
    byte[] data;
    if (ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      data = messageData(readJson(ex), "JSON body");
    } else {
      data = readBody(ex);
    }
    PublishResult r = await(topic, node.publish(topic, data), "message");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.putAll(published(r, data));
    return Response.json(200, out);
  }

  /**
   * {@code POST /v1/topics/{t}/publish-batch}: {@code {"messages": [m, …]}}, each m as the JSON
   * body of publish; returns {@code {"topic", "messages": [{"id","peers","bytes"}, …]}} in order.
   */
  private Response publishBatch(Request ex, String topic) {
    JsonNode body = readJson(ex);
    JsonNode ms = body.isObject() && body.size() == 1 ? body.get("messages") : null;
    if (ms == null || !ms.isArray()) {
      throw new ApiException(400, "bad_request",
          "JSON body must be {\"messages\": [{\"data\": \"text\"} or {\"base64\": \"…\"}, …]}");
    }
    if (ms.isEmpty() || ms.size() > MAX_BATCH) {
      throw new ApiException(400, "bad_request", "a batch holds 1 to " + MAX_BATCH + " messages, got " + ms.size());
    }
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      data.add(messageData(ms.get(i), "messages[" + i + "]"));
    }
    List<PublishResult> rs = await(topic, node.publishBatch(topic, data), "batch");
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < rs.size(); i++) {
      list.add(published(rs.get(i), data.get(i)));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.put("messages", list);
    return Response.json(200, out);
  }

  // ---- partial messages (docs/pubsub-router.md, "Partial messages") --------------------------

  /**
   * {@code PUT /v1/topics/{t}/partial} {@code {"mode": "request"|"support"}} takes part in partial
   * messages on the topic; {@code DELETE} stops; {@code GET} returns the mode and the groups held.
   */
  private Response partial(Request ex, String method, String topic) {
    var pm = node.router().partialMessages();
    if (!pm.enabled()) {
      throw new ApiException(409, "partial_messages_off", "the router runs without the partial-messages extension");
    }
    switch (method) {
      case "PUT" -> {
        JsonNode body = readJson(ex);
        JsonNode m = body.isObject() && body.size() == 1 ? body.get("mode") : null;
        if (m == null || !m.isTextual() || !(m.textValue().equals("request") || m.textValue().equals("support"))) {
          throw new ApiException(400, "bad_request", "JSON body must be {\"mode\": \"request\"} or {\"mode\": \"support\"}");
        }
        pm.enable(topic, m.textValue().equals("request")
            ? io.topicmesh.node.pubsub.router.partial.PartialMode.REQUEST
            : io.topicmesh.node.pubsub.router.partial.PartialMode.SUPPORT, e -> {});
      }
      case "DELETE" -> {
        pm.disable(topic);
        return new Response(204, Map.of(), null, null);
      }
      default -> { }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.put("mode", pm.mode(topic).map(md -> md.name().toLowerCase(java.util.Locale.ROOT)).orElse(null));
    List<Map<String, Object>> groups = new ArrayList<>();
    for (var g : pm.groups(topic)) {
      Map<String, Object> gm = new LinkedHashMap<>();
      gm.put("groupId", Base64.getEncoder().encodeToString(g.groupId().toByteArray()));
      gm.put("totalParts", g.totalParts());
      gm.put("held", g.held());
      gm.put("missing", g.missing());
      gm.put("bytes", g.bytes());
      gm.put("ours", g.ours());
      gm.put("assembled", g.assembled() == null ? null : Base64.getEncoder().encodeToString(g.assembled().toByteArray()));
      groups.add(gm);
    }
    out.put("groups", groups);
    return Response.json(200, out);
  }

  /**
   * {@code POST /v1/topics/{t}/partial-publish} {@code {"groupId": base64, "totalParts": n, "parts":
   * {"<index>": base64, …}}} publishes parts; {@code partial-request} {@code {"groupId", "totalParts"}}
   * asks for the missing ones. Returns {@code {"topic", "groupId", "partsHeld", "totalParts", "peers"}}.
   */
  private Response partialPublish(Request ex, String topic, boolean request) {
    var pm = node.router().partialMessages();
    if (!pm.enabled()) {
      throw new ApiException(409, "partial_messages_off", "the router runs without the partial-messages extension");
    }
    JsonNode body = readJson(ex);
    String usage = request ? "{\"groupId\": base64, \"totalParts\": n}"
        : "{\"groupId\": base64, \"totalParts\": n, \"parts\": {\"<index>\": base64, …}}";
    if (!body.isObject() || !body.path("groupId").isTextual() || !body.path("totalParts").canConvertToInt()
        || (!request && !body.path("parts").isObject())) {
      throw new ApiException(400, "bad_request", "JSON body must be " + usage);
    }
    com.google.protobuf.ByteString group;
    Map<Integer, com.google.protobuf.ByteString> parts = new java.util.HashMap<>();
    try {
      group = com.google.protobuf.ByteString.copyFrom(Base64.getDecoder().decode(body.get("groupId").textValue()));
      if (!request) {
        for (var it = body.get("parts").properties().iterator(); it.hasNext();) {
          var e = it.next();
          if (!e.getValue().isTextual()) {
            throw new ApiException(400, "bad_request", "parts." + e.getKey() + " must be a base64 string");
          }
          parts.put(Integer.parseInt(e.getKey()),
              com.google.protobuf.ByteString.copyFrom(Base64.getDecoder().decode(e.getValue().textValue())));
        }
      }
    } catch (NumberFormatException e) {
      throw new ApiException(400, "bad_request", "part indexes must be integers: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "bad_request", "base64: " + e.getMessage());
    }
    int total = body.get("totalParts").intValue();
    var f = request ? pm.request(topic, group, total) : pm.publish(topic, group, total, parts);
    io.topicmesh.node.pubsub.router.partial.PartialPublishResult r;
    try {
      r = f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IllegalStateException) {
        throw new ApiException(409, "partial_not_enabled", c.getMessage());
      }
      throw new ApiException(400, "bad_request", c.getMessage());
    } catch (TimeoutException e) {
      throw new ApiException(503, "busy", "router did not accept the parts within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "busy", "interrupted");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.put("groupId", body.get("groupId").textValue());
    out.put("partsHeld", r.partsHeld());
    out.put("totalParts", r.totalParts());
    out.put("peers", r.peersSent());
    return Response.json(200, out);
  }

  /** One message as JSON, {"data": text} or {"base64": …}, as bytes. */
  private static byte[] messageData(JsonNode body, String where) {
    if (!body.isObject() || body.size() != 1 || !(body.has("data") || body.has("base64"))) {
      throw new ApiException(400, "bad_request", where + " must be {\"data\": \"text\"} or {\"base64\": \"…\"}");
    }
    JsonNode v = body.has("data") ? body.get("data") : body.get("base64");
    if (!v.isTextual()) {
      throw new ApiException(400, "bad_request", where + ": the message must be a JSON string");
    }
    if (body.has("data")) {
      return v.textValue().getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(v.textValue());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "bad_request", where + ": base64: " + e.getMessage());
    }
  }

  private static Map<String, Object> published(PublishResult r, byte[] data) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", HexFormat.of().formatHex(r.id().bytes().toByteArray()));
    out.put("peers", r.peers());
    out.put("bytes", data.length);
    return out;
  }

  /** Waits up to 10 s for a publish, mapping its failures to API errors. */
  private static <T> T await(String topic, CompletableFuture<T> f, String what) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof BatchPublishException b ? batchFailure(topic, b) : publishFailure(topic, c);
    } catch (TimeoutException e) {
      throw new ApiException(503, "busy", "router did not accept the " + what + " within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "busy", "interrupted");
    }
  }

  /**
   * The one place a failed publish becomes an HTTP error: 503 when the client should retry later or
   * through another node, 4xx when the message itself cannot be published, 5xx for a fault here.
   */
  static ApiException publishFailure(String topic, Throwable cause) {
    if (!(cause instanceof PublishException p)) {
      log.warn("admin publish to topic={} failed unexpectedly: {}", topic, String.valueOf(cause));
      return new ApiException(500, "internal", "message not published: " + cause);
    }
    String m = "message not published: " + p.getMessage();
    return switch (p.reason()) {
      case TOO_LARGE -> new ApiException(413, "too_large", m);
      case DUPLICATE -> new ApiException(409, "duplicate", m);
      case REJECTED -> new ApiException(422, "rejected", m);
      case IGNORED -> new ApiException(422, "ignored", m);
      case QUEUE_FULL -> new ApiException(503, "busy", m);
      case SHUTTING_DOWN -> new ApiException(503, "shutting_down", m);
      case VALIDATION_TIMEOUT -> new ApiException(503, "validation_timeout", m);
      case VALIDATOR_FAILED -> new ApiException(500, "validator_failed", m);
    };
  }

  /**
   * A batch some of whose messages were refused; the message names each by index and reason. None
   * published, all for one reason: that reason's status and code, as for a single publish (503
   * still means "retry the batch"). None published, for several reasons: 422 {@code
   * not_published}. Some published: 422 {@code partially_published} (retrying the whole batch
   * would publish those twice).
   */
  static ApiException batchFailure(String topic, BatchPublishException b) {
    if (b.published() > 0) {
      return new ApiException(422, "partially_published", b.getMessage());
    }
    var reasons = b.failures().values().stream()
        .map(c -> c instanceof PublishException p ? p.reason() : null).distinct().toList();
    if (reasons.size() == 1 && reasons.get(0) != null) {
      ApiException one = publishFailure(topic, b.failures().values().iterator().next());
      return new ApiException(one.status(), one.code(), "batch not published: " + b.getMessage());
    }
    return new ApiException(422, "not_published", b.getMessage());
  }

  /**
   * Checks a stream request and registers its listener; the transport starts the response (see
   * {@link SseStream}). No thread waits for the stream's messages.
   */
  private Response stream(Request ex, String topic) {
    long limit = Long.MAX_VALUE;
    String q = ex.rawQuery();
    if (q != null) {
      for (String kv : q.split("&")) {
        if (kv.startsWith("limit=")) {
          try {
            limit = Long.parseLong(kv.substring(6));
          } catch (NumberFormatException e) {
            limit = -1;
          }
          if (limit < 1) {
            throw new ApiException(400, "bad_request", "limit must be a positive integer");
          }
        } else if (!kv.isEmpty()) {
          throw new ApiException(400, "bad_request", "unknown query parameter " + kv.split("=")[0] + "; known: limit");
        }
      }
    }
    if (!node.subscribed(topic)) {
      throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic + " (PUT /v1/topics/" + topic + " first)");
    }
    if (!streams.tryAcquire()) {
      throw new ApiException(429, "too_many_streams", MAX_STREAMS + " message streams open, the maximum");
    }
    SseStream s = new SseStream(topic, limit);
    if (!node.addListener(topic, s.listener)) {
      s.release();
      throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic);
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "text/event-stream; charset=utf-8");
    h.put("Cache-Control", "no-cache");
    return new Response(200, h, null, s);
  }

  static Map<String, Object> event(String id, ReceivedMessage m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", id);
    o.put("topic", m.message().topic());
    o.put("from", m.message().from() == null ? null : peerText(m.message().from().toByteArray()));
    o.put("receivedFrom", m.source() == null ? null : m.source().toString());
    o.put("local", m.local());
    byte[] data = m.message().data().toByteArray();
    o.put("base64", Base64.getEncoder().encodeToString(data));
    o.put("data", utf8(data));
    return o;
  }

  private static String peerText(byte[] b) {
    try {
      return io.topicmesh.node.identity.PeerId.fromBytes(b).toString();
    } catch (RuntimeException e) {
      return HexFormat.of().formatHex(b);
    }
  }

  /** The text when {@code b} is valid UTF-8, else null. */
  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  // ---- bodies and responses -----------------------------------------------------------------

  private byte[] readBody(Request ex) {
    // the transport's aggregator already refused a longer body; kept as the handlers' own guard
    if (ex.body().length > maxBody) {
      throw new ApiException(413, "too_large", "body of " + ex.body().length + " bytes exceeds the limit of " + maxBody);
    }
    return ex.body();
  }

  private JsonNode readJson(Request ex) {
    return parseJson(readBody(ex));
  }

  private static JsonNode parseJson(byte[] body) {
    if (body.length == 0) {
      throw new ApiException(400, "bad_json", "empty body; a JSON object was expected");
    }
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new ApiException(400, "bad_json", "empty body; a JSON object was expected");
      }
      return n;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
          + e.getLocation().getColumnNr();
      throw new ApiException(400, "bad_json", "body is not valid JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiException(400, "bad_json", "body is not valid JSON: " + e.getMessage());
    }
  }

  /**
   * The JSON error body. Its {@code "status"} ({@code "429 Too Many Requests"}) repeats the status
   * line; kept because clients and scripts written against the JDK server (which sent no phrase for
   * 422 and 429) read it.
   */
  static Response error(int status, String code, String message) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", code);
    e.put("message", message);
    e.put("status", HttpStatus.line(status));
    Response r = Response.json(status, e);
    if (status == 405) {
      Map<String, String> h = new LinkedHashMap<>(r.headers());
      h.put("Allow", "GET, PUT, POST, DELETE");
      return new Response(status, h, r.body(), null);
    }
    return r;
  }

  /** The subscribed topics (for tests). */
  List<String> topics() {
    return node.router().subscriptions().stream().sorted().toList();
  }
}
