package io.topicmesh.node.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.topicmesh.node.multistream.MultistreamException.Reason;
import io.topicmesh.node.pubsub.lock.WarnLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * multistream-select 1.0 ({@code /multistream/1.0.0}) on any netty {@link io.netty.channel.Channel}:
 * a raw TCP connection, a Noise-secured one, or a muxed stream's child channel.
 *
 * <p>Add it to a pipeline (before or after the channel is active); it starts negotiating when the
 * channel is active. The initiator sends the header and its first proposal in one write and walks
 * its proposals on {@code na}; the responder sends its header at once, answers {@code ls}, echoes a
 * supported proposal and refuses the rest with {@code na}.
 *
 * <p>On agreement, on the event loop and in this order: the {@link ProtocolSelected} callback runs
 * (it adds the protocol's handlers with {@code addLast}), {@link #protocolFuture()} completes, this
 * handler removes itself and passes any bytes that followed the final message (same read) down the
 * pipeline. On failure the future fails with a {@link MultistreamException}, one line is logged and
 * the channel is closed.
 *
 * <p>Bounds: messages of at most {@link #MAX_MESSAGE_LENGTH} bytes (go-multistream's limit), at
 * most {@link #MAX_ROUNDS} proposals per negotiation, and a timeout for the whole negotiation.
 */
public final class MultistreamHandler extends ByteToMessageDecoder {
  /** The protocol id of multistream-select itself, sent first by both sides. */
  public static final String PROTOCOL_ID = MultistreamMessages.HEADER;

  /**
   * Largest message accepted, varint excluded and newline included: 1024 bytes, as go-multistream
   * ({@code lpReadBuf}) enforces. Protocol ids we send must fit in it too.
   */
  public static final int MAX_MESSAGE_LENGTH = 1024;

  /** Most proposals one side may make (or receive, {@code ls} included) in one negotiation. */
  public static final int MAX_ROUNDS = 32;

  private static final Logger log = LoggerFactory.getLogger(MultistreamHandler.class);

  private final boolean initiator;
  private final boolean lazy;
  private final List<String> proposals;
  private final Set<String> supported;
  private final Duration timeout;
  private final ProtocolSelected callback;
  private final CompletableFuture<String> result = new CompletableFuture<>();

  private boolean started;
  private boolean done;
  private boolean headerReceived;
  private boolean echoUnflushed;
  private int proposalIndex;
  private int rounds;
  private ScheduledFuture<?> timeoutTask;

  private MultistreamHandler(
      boolean initiator,
      boolean lazy,
      List<String> proposals,
      Set<String> supported,
      Duration timeout,
      ProtocolSelected callback) {
    this.initiator = initiator;
    this.lazy = lazy;
    this.proposals = proposals;
    this.supported = supported;
    this.timeout = checkTimeout(timeout);
    this.callback = callback == null ? (ch, p) -> {} : callback;
  }

  /**
   * The dialing side: proposes {@code proposals} in order until the responder accepts one.
   *
   * @param callback may be null when only {@link #protocolFuture()} is used
   */
  public static MultistreamHandler initiator(
      List<String> proposals, Duration timeout, ProtocolSelected callback) {
    Objects.requireNonNull(proposals, "proposals");
    if (proposals.isEmpty() || proposals.size() > MAX_ROUNDS) {
      throw new IllegalArgumentException(
          "need 1.." + MAX_ROUNDS + " proposals, got " + proposals.size());
    }
    proposals.forEach(MultistreamHandler::checkProtocolId);
    return new MultistreamHandler(true, false, List.copyOf(proposals), Set.of(), timeout, callback);
  }

  /**
   * The dialing side with a single protocol, optimistically (go-multistream's lazy client,
   * rust-libp2p's {@code V1Lazy}): when the channel is active it writes the header and {@code
   * protocol}, runs {@code callback} at once, without waiting for the answer, and flushes once, so
   * that the protocol's first message (added by the callback) leaves in the same segment. That
   * saves a round trip. The handler stays first in the pipeline until the responder's header and
   * echo arrive, then completes {@link #protocolFuture()}, removes itself and passes what followed
   * (the protocol's answer) on. If the responder refuses ({@code na}) or answers anything else, the
   * future fails and the channel is closed, as with {@link #initiator}; the optimistic bytes are
   * then lost with it, which is why this is only for a single proposal.
   *
   * @param callback adds the protocol's handlers (with {@code addLast}); runs before the answer
   */
  public static MultistreamHandler lazyInitiator(
      String protocol, Duration timeout, ProtocolSelected callback) {
    checkProtocolId(protocol);
    return new MultistreamHandler(true, true, List.of(protocol), Set.of(), timeout, callback);
  }

  /**
   * The listening side: accepts the first proposal found in {@code supported}; {@code ls} lists
   * them in iteration order.
   *
   * @param callback may be null when only {@link #protocolFuture()} is used
   */
  public static MultistreamHandler responder(
      Collection<String> supported, Duration timeout, ProtocolSelected callback) {
    Objects.requireNonNull(supported, "supported");
    supported.forEach(MultistreamHandler::checkProtocolId);
    return new MultistreamHandler(
        false, false, List.of(), new LinkedHashSet<>(supported), timeout, callback);
  }

  /**
   * The agreed protocol id, or a {@link MultistreamException}. Completed on the event loop, after
   * the callback and before leftover bytes are passed on.
   */
  public CompletableFuture<String> protocolFuture() {
    return result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    timeoutTask =
        ctx.executor()
            .schedule(
                () -> fail(ctx, Reason.TIMEOUT, "no agreement within " + timeout),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
    ByteBuf hello =
        initiator
            ? MultistreamMessages.encode(ctx.alloc(), PROTOCOL_ID, proposals.get(0))
            : MultistreamMessages.encode(ctx.alloc(), PROTOCOL_ID);
    if (!lazy) {
      send(ctx, hello);
      return;
    }
    write(ctx, hello, false);
    String protocol = proposals.get(0);
    try {
      callback.selected(ctx.channel(), protocol);
    } catch (Exception e) {
      ctx.flush();
      fail(ctx, Reason.CALLBACK_FAILED, "handler setup for " + protocol + " failed: " + e);
      return;
    }
    // One flush for the header, the proposal and whatever the callback's handlers wrote.
    ctx.flush();
  }

  private void send(ChannelHandlerContext ctx, ByteBuf msg) {
    write(ctx, msg, true);
  }

  private void write(ChannelHandlerContext ctx, ByteBuf msg, boolean flush) {
    (flush ? ctx.writeAndFlush(msg) : ctx.write(msg))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    fail(ctx, Reason.CHANNEL_ERROR, "write failed: " + f.cause());
                  }
                });
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (!done) {
      String msg;
      try {
        msg = MultistreamMessages.tryRead(in, MAX_MESSAGE_LENGTH);
      } catch (MultistreamException e) {
        fail(ctx, e.reason(), e.getMessage());
        break;
      }
      if (msg == null) {
        return;
      }
      if (!headerReceived) {
        if (!PROTOCOL_ID.equals(msg)) {
          fail(ctx, Reason.BAD_HEADER, "expected " + PROTOCOL_ID + ", got " + quote(msg));
          break;
        }
        headerReceived = true;
      } else if (initiator) {
        onResponse(ctx, msg);
      } else {
        onProposal(ctx, msg);
      }
    }
    // Failed: whatever else the peer sent is not for anyone.
    if (in.isReadable() && !ctx.isRemoved()) {
      in.skipBytes(in.readableBytes());
    }
  }

  private void onResponse(ChannelHandlerContext ctx, String msg) {
    String proposed = proposals.get(proposalIndex);
    if (msg.equals(proposed)) {
      succeed(ctx, proposed);
    } else if (lazy && msg.equals(MultistreamMessages.NA)) {
      fail(ctx, Reason.NOT_SUPPORTED, "peer does not support " + proposed);
    } else if (msg.equals(MultistreamMessages.NA)) {
      proposalIndex++;
      if (proposalIndex == proposals.size()) {
        fail(ctx, Reason.NOT_SUPPORTED, "peer supports none of " + proposals);
      } else {
        send(ctx, MultistreamMessages.encode(ctx.alloc(), proposals.get(proposalIndex)));
      }
    } else {
      fail(
          ctx,
          Reason.UNEXPECTED_RESPONSE,
          "proposed " + proposed + ", peer answered " + quote(msg));
    }
  }

  private void onProposal(ChannelHandlerContext ctx, String msg) {
    if (++rounds > MAX_ROUNDS) {
      fail(ctx, Reason.TOO_MANY_ROUNDS, "peer made more than " + MAX_ROUNDS + " proposals");
    } else if (msg.equals(MultistreamMessages.LS)) {
      send(ctx, MultistreamMessages.encodeLs(ctx.alloc(), supported));
    } else if (supported.contains(msg)) {
      // Not flushed here: the bytes that followed go to the protocol's handlers when this handler
      // is removed (after decode returns), so their answer (noise message 2 after a lazy proposal)
      // leaves in the same flush as the echo; handlerRemoved0 flushes whatever is left.
      write(ctx, MultistreamMessages.encode(ctx.alloc(), msg), false);
      echoUnflushed = true;
      succeed(ctx, msg);
    } else {
      send(ctx, MultistreamMessages.encode(ctx.alloc(), MultistreamMessages.NA));
    }
  }

  private void succeed(ChannelHandlerContext ctx, String protocol) {
    done = true;
    cancelTimeout();
    if (lazy) {
      // The callback ran when the proposal left.
      log.debug("{} multistream agreed on {} (lazy)", ctx.channel(), protocol);
      result.complete(protocol);
      ctx.pipeline().remove(this);
      return;
    }
    try {
      callback.selected(ctx.channel(), protocol);
    } catch (Exception e) {
      done = false;
      fail(ctx, Reason.CALLBACK_FAILED, "handler setup for " + protocol + " failed: " + e);
      return;
    }
    log.debug("{} multistream agreed on {}", ctx.channel(), protocol);
    result.complete(protocol);
    // Leftover bytes of this read go to the handlers the callback added (ByteToMessageDecoder
    // forwards its cumulation when removed).
    ctx.pipeline().remove(this);
  }

  /** Interval of the failure warnings' limiter. */
  static final Duration WARN_INTERVAL = Duration.ofSeconds(10);

  private static final WarnLimiter WARNINGS = new WarnLimiter(WARN_INTERVAL.toNanos());

  private void fail(ChannelHandlerContext ctx, Reason reason, String message) {
    if (done) {
      return;
    }
    done = true;
    cancelTimeout();
    String role = initiator ? "initiator" : "responder";
    if (reason == Reason.NOT_SUPPORTED || reason == Reason.UNEXPECTED_EOF) {
      log.info("{} multistream {} failed ({}): {}", ctx.channel(), role, reason, message);
    } else {
      // A peer can cause these at will (e.g. streams opened and left silent until the timeout,
      // hundreds per connection): at most one line per role and reason per interval.
      long suppressed = WARNINGS.admit(role + " " + reason, System.nanoTime());
      if (suppressed != WarnLimiter.SUPPRESSED) {
        log.warn("{} multistream {} failed ({}): {} ({} similar warnings suppressed since the last)",
            ctx.channel(), role, reason, message, suppressed);
      }
    }
    result.completeExceptionally(new MultistreamException(reason, message));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    fail(ctx, Reason.UNEXPECTED_EOF, "channel closed before a protocol was agreed");
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    // A half-close: what arrived before it is decoded first (by super), then nothing more can.
    super.userEventTriggered(ctx, evt);
    if (evt instanceof ChannelInputShutdownEvent) {
      fail(ctx, Reason.UNEXPECTED_EOF, "input shut down before a protocol was agreed");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      ctx.fireExceptionCaught(cause);
    } else {
      fail(ctx, Reason.CHANNEL_ERROR, String.valueOf(cause));
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (echoUnflushed) {
      echoUnflushed = false;
      ctx.flush();
    }
    cancelTimeout();
    if (!done) {
      done = true;
      result.completeExceptionally(
          new MultistreamException(Reason.CHANNEL_ERROR, "handler removed before agreement"));
    }
  }

  private void cancelTimeout() {
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
      timeoutTask = null;
    }
  }

  private static String quote(String s) {
    String shown = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return '"' + shown.replaceAll("\\p{Cntrl}", "?") + '"';
  }

  private static Duration checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    return timeout;
  }

  private static void checkProtocolId(String id) {
    Objects.requireNonNull(id, "protocol id");
    if (id.isEmpty() || id.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("invalid protocol id " + quote(id));
    }
    if (id.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException(
          "protocol id longer than " + (MAX_MESSAGE_LENGTH - 1) + " bytes: " + quote(id));
    }
    if (id.equals(MultistreamMessages.NA) || id.equals(MultistreamMessages.LS)) {
      throw new IllegalArgumentException("reserved word used as a protocol id: " + id);
    }
  }
}
