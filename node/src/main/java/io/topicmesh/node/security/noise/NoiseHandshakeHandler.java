package io.topicmesh.node.security.noise;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.topicmesh.node.identity.InvalidKeyException;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.security.noise.NoiseException.Reason;
import io.topicmesh.node.security.noise.pb.NoiseProtos.NoiseExtensions;
import io.topicmesh.node.security.noise.pb.NoiseProtos.NoiseHandshakePayload;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * noise-libp2p ({@code /noise}): Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p handshake payload,
 * on a channel where {@code /noise} was just agreed.
 *
 * <p>The static X25519 key, authenticated by a signature of the libp2p identity key over {@code
 * "noise-libp2p-static-key:" || static key}, comes from a {@link NoiseIdentity}: a host makes one
 * and passes it to every handshake (the constructors taking a bare {@link PrivKey} make a fresh one
 * per handshake). The ephemeral key is new for every handshake. Our stream muxers travel in
 * the payload extensions (responder: message 2, initiator: message 3; never in message 1). Listing
 * muxers opts in to inlined muxer negotiation: when the remote lists some too, {@link
 * SecureSession#inlinedMuxer()} is set and go-libp2p and js-libp2p peers start that muxer right
 * after the handshake, without multistream. Pass an empty list to always negotiate the muxer with
 * multistream.
 *
 * <p>A remote's identity signature is verified once per (identity key, static key, signature):
 * {@link VerifiedStaticKeys} remembers the triples that verified (bounded), so a peer that
 * reconnects with the same static key costs no Ed25519 verification or key decoding.
 *
 * <p>While the handshake runs, writes from handlers after this one fail (nothing leaves in
 * plaintext). On success, on the event loop and in this order: a {@link NoiseTransportCodec}
 * takes the place right after this handler (so anything written from now on is encrypted), {@link
 * #sessionFuture()} completes, the {@link SecureSession} is fired as a user event, and this handler
 * removes itself, passing any bytes that followed the last handshake message to the codec. Add the
 * next handlers (e.g. multistream for the muxer) from a future callback or on the user event.
 *
 * <p>On failure (timeout, bad MAC, malformed message, garbage payload, bad signature, a remote
 * other than {@code expectedRemote}, EOF) the future fails with a {@link NoiseException}, {@link
 * NoiseMetrics} counts the reason, one line is logged and the channel is closed.
 */
public final class NoiseHandshakeHandler extends ByteToMessageDecoder {
  /** The multistream protocol id of noise-libp2p. */
  public static final String PROTOCOL_ID = "/noise";

  /** Most stream muxers accepted in a remote's extensions. */
  public static final int MAX_REMOTE_MUXERS = 32;

  static final byte[] SIGNATURE_PREFIX =
      "noise-libp2p-static-key:".getBytes(StandardCharsets.US_ASCII);

  private static final Logger log = LoggerFactory.getLogger(NoiseHandshakeHandler.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int LENGTH_PREFIX = 2;
  private static final byte[] NO_PROLOGUE = new byte[0];

  private final PrivKey identity;
  private final NoiseIdentity noiseIdentity;
  private final PeerId localPeer;
  private final boolean initiator;
  private final PeerId expectedRemote;
  private final List<String> ourMuxers;
  private final Duration timeout;
  private final NoiseMetrics metrics;
  private final CompletableFuture<SecureSession> result = new CompletableFuture<>();

  private XxHandshakeState handshake;
  private PlaintextGuard guard;
  private ScheduledFuture<?> timeoutTask;
  private boolean done;

  /**
   * @param identity our libp2p identity key, which signs the static Noise key
   * @param initiator true on the dialing side
   * @param expectedRemote the peer we dialled, or null to accept anyone (listening side)
   * @param ourMuxers stream muxer protocol ids to offer in the extensions, in preference order
   * @param timeout for the whole handshake
   */
  public NoiseHandshakeHandler(
      PrivKey identity,
      boolean initiator,
      PeerId expectedRemote,
      List<String> ourMuxers,
      Duration timeout) {
    this(identity, initiator, expectedRemote, ourMuxers, timeout, NoiseMetrics.NOOP);
  }

  public NoiseHandshakeHandler(
      PrivKey identity,
      boolean initiator,
      PeerId expectedRemote,
      List<String> ourMuxers,
      Duration timeout,
      NoiseMetrics metrics) {
    this(NoiseIdentity.generate(identity), initiator, expectedRemote, ourMuxers, timeout, metrics);
  }

  /**
   * @param noiseIdentity our identity key and the static Noise key it signed, shared by a host's
   *     handshakes
   * @param initiator true on the dialing side
   * @param expectedRemote the peer we dialled, or null to accept anyone (listening side)
   * @param ourMuxers stream muxer protocol ids to offer in the extensions, in preference order
   * @param timeout for the whole handshake
   */
  public NoiseHandshakeHandler(
      NoiseIdentity noiseIdentity,
      boolean initiator,
      PeerId expectedRemote,
      List<String> ourMuxers,
      Duration timeout,
      NoiseMetrics metrics) {
    this.noiseIdentity = Objects.requireNonNull(noiseIdentity, "noiseIdentity");
    this.identity = noiseIdentity.identityKey();
    this.localPeer = PeerId.fromPublicKey(identity.publicKey());
    this.initiator = initiator;
    this.expectedRemote = expectedRemote;
    this.ourMuxers = List.copyOf(ourMuxers);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /**
   * The authenticated session, or a {@link NoiseException}. Completed on the event loop once the
   * transport codec is in place and before any post-handshake byte is decrypted.
   */
  public CompletableFuture<SecureSession> sessionFuture() {
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
    if (handshake != null) {
      return;
    }
    guard = new PlaintextGuard();
    ctx.pipeline().addAfter(ctx.name(), null, guard);
    handshake =
        new XxHandshakeState(
            initiator, NO_PROLOGUE, noiseIdentity.staticKey(), X25519KeyPair.generate(RANDOM));
    timeoutTask =
        ctx.executor()
            .schedule(
                () -> fail(ctx, new NoiseException(Reason.TIMEOUT, "no handshake within " + timeout)),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
    if (initiator) {
      try {
        // Message 1 is unencrypted: its payload stays empty.
        send(ctx, handshake.writeMessage(new byte[0]));
      } catch (NoiseException e) {
        fail(ctx, e);
      }
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (handshake == null) {
      start(ctx);
    }
    while (!done && in.readableBytes() >= LENGTH_PREFIX) {
      int len = in.getUnsignedShort(in.readerIndex());
      if (in.readableBytes() < LENGTH_PREFIX + len) {
        return;
      }
      in.skipBytes(LENGTH_PREFIX);
      // Copied, not sliced: three small messages, consumed here by array-based crypto.
      byte[] message = new byte[len];
      in.readBytes(message);
      try {
        onMessage(ctx, message);
      } catch (NoiseException e) {
        fail(ctx, e);
      }
    }
    if (done && !ctx.isRemoved()) {
      in.skipBytes(in.readableBytes());
    }
  }

  private void onMessage(ChannelHandlerContext ctx, byte[] message) throws NoiseException {
    if (handshake.isMyTurn()) {
      throw new NoiseException(Reason.MALFORMED_MESSAGE, "peer sent a message out of turn");
    }
    byte[] payload = handshake.readMessage(message);
    if (!initiator && !handshake.isComplete()) {
      // Message 1 read: answer with message 2, which carries our identity and muxers.
      send(ctx, handshake.writeMessage(ourPayload()));
      return;
    }
    Remote remote = verify(payload);
    if (initiator) {
      send(ctx, handshake.writeMessage(ourPayload()));
    }
    complete(ctx, remote);
  }

  record Remote(PubKey key, PeerId peer, List<String> muxers) {}

  private Remote verify(byte[] payloadBytes) throws NoiseException {
    return verifyPayload(payloadBytes, handshake.remoteStaticKey(), expectedRemote);
  }

  /**
   * Decodes the remote's handshake payload and checks its identity signature over the remote's
   * static key {@code remoteStatic}, and the peer id against {@code expectedRemote} (null: any).
   *
   * @throws NoiseException INVALID_PAYLOAD, INVALID_KEY, BAD_SIGNATURE or PEER_ID_MISMATCH
   */
  static Remote verifyPayload(byte[] payloadBytes, byte[] remoteStatic, PeerId expectedRemote)
      throws NoiseException {
    NoiseHandshakePayload payload;
    try {
      payload = NoiseHandshakePayload.parseFrom(payloadBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new NoiseException(Reason.INVALID_PAYLOAD, "handshake payload is not protobuf");
    }
    if (!payload.hasIdentityKey() || !payload.hasIdentitySig()) {
      throw new NoiseException(
          Reason.INVALID_PAYLOAD, "handshake payload lacks the identity key or signature");
    }
    byte[] keyBytes = payload.getIdentityKey().toByteArray();
    byte[] signature = payload.getIdentitySig().toByteArray();
    VerifiedStaticKeys.Identity known = VerifiedStaticKeys.SHARED.get(keyBytes, remoteStatic, signature);
    if (known == null) {
      PubKey key;
      try {
        key = PubKey.unmarshal(keyBytes);
      } catch (InvalidKeyException e) {
        throw new NoiseException(Reason.INVALID_KEY, "identity key: " + e.getMessage());
      }
      byte[] signed = concat(SIGNATURE_PREFIX, remoteStatic);
      boolean valid;
      try {
        valid = key.verify(signed, signature);
      } catch (RuntimeException e) {
        valid = false;
      }
      if (!valid) {
        throw new NoiseException(
            Reason.BAD_SIGNATURE, "identity signature over the static key does not verify");
      }
      known = new VerifiedStaticKeys.Identity(key, PeerId.fromPublicKey(key));
      VerifiedStaticKeys.SHARED.put(keyBytes, remoteStatic, signature, known);
    }
    PubKey key = known.key();
    PeerId peer = known.peer();
    if (expectedRemote != null && !expectedRemote.equals(peer)) {
      throw new NoiseException(
          Reason.PEER_ID_MISMATCH,
          "dialled " + expectedRemote.toBase58() + " but the remote is " + peer.toBase58());
    }
    List<String> muxers =
        payload.hasExtensions() ? payload.getExtensions().getStreamMuxersList() : List.of();
    if (muxers.size() > MAX_REMOTE_MUXERS) {
      throw new NoiseException(
          Reason.INVALID_PAYLOAD,
          "remote offers " + muxers.size() + " muxers, more than " + MAX_REMOTE_MUXERS);
    }
    return new Remote(key, peer, muxers);
  }

  private byte[] ourPayload() {
    byte[] signature = noiseIdentity.signature();
    NoiseHandshakePayload.Builder b =
        NoiseHandshakePayload.newBuilder()
            .setIdentityKey(ByteString.copyFrom(identity.publicKey().bytes()))
            .setIdentitySig(ByteString.copyFrom(signature));
    if (!ourMuxers.isEmpty()) {
      b.setExtensions(NoiseExtensions.newBuilder().addAllStreamMuxers(ourMuxers));
    }
    return b.build().toByteArray();
  }

  private void complete(ChannelHandlerContext ctx, Remote remote) {
    done = true;
    cancelTimeout();
    CipherState[] ciphers = handshake.split();
    NoiseTransportCodec codec =
        new NoiseTransportCodec(ciphers[0], ciphers[1], metrics, remote.peer().toBase58());
    ctx.pipeline().replace(guard, null, codec);
    Optional<String> inlined =
        initiator
            ? SecureSession.matchMuxers(ourMuxers, remote.muxers())
            : SecureSession.matchMuxers(remote.muxers(), ourMuxers);
    SecureSession session =
        new SecureSession(localPeer, remote.peer(), remote.key(), remote.muxers(), inlined);
    metrics.handshakeSucceeded(initiator);
    log.debug(
        "{} noise {} handshake done with {} (remote muxers {}, inlined {})",
        ctx.channel(),
        initiator ? "initiator" : "responder",
        remote.peer().toBase58(),
        remote.muxers(),
        inlined.orElse("none"));
    result.complete(session);
    ctx.fireUserEventTriggered(session);
    ctx.pipeline().remove(this);
  }

  private void send(ChannelHandlerContext ctx, byte[] message) throws NoiseException {
    if (message.length > NoiseTransportCodec.MAX_FRAME_LENGTH) {
      throw new NoiseException(Reason.MALFORMED_MESSAGE, "handshake message over 65535 bytes");
    }
    ByteBuf frame = ctx.alloc().buffer(LENGTH_PREFIX + message.length);
    frame.writeShort(message.length).writeBytes(message);
    ctx.writeAndFlush(frame)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    fail(ctx, new NoiseException(Reason.CHANNEL_ERROR, "write failed: " + f.cause()));
                  }
                });
  }

  private void fail(ChannelHandlerContext ctx, NoiseException e) {
    if (done) {
      return;
    }
    done = true;
    cancelTimeout();
    metrics.handshakeFailed(initiator, e.reason());
    String peer = expectedRemote == null ? "" : " with " + expectedRemote.toBase58();
    String role = initiator ? "initiator" : "responder";
    if (e.reason() == Reason.UNEXPECTED_EOF || e.reason() == Reason.TIMEOUT) {
      log.info("{} noise {} handshake{} failed ({}): {}", ctx.channel(), role, peer, e.reason(), e.getMessage());
    } else {
      log.warn("{} noise {} handshake{} failed ({}): {}", ctx.channel(), role, peer, e.reason(), e.getMessage());
    }
    result.completeExceptionally(e);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    fail(ctx, new NoiseException(Reason.UNEXPECTED_EOF, "channel closed mid-handshake"));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    super.userEventTriggered(ctx, evt);
    if (evt instanceof ChannelInputShutdownEvent) {
      fail(ctx, new NoiseException(Reason.UNEXPECTED_EOF, "input shut down mid-handshake"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      ctx.fireExceptionCaught(cause);
    } else {
      fail(ctx, new NoiseException(Reason.CHANNEL_ERROR, String.valueOf(cause)));
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    cancelTimeout();
    if (!done) {
      done = true;
      result.completeExceptionally(
          new NoiseException(Reason.CHANNEL_ERROR, "handler removed before the handshake ended"));
    }
  }

  private void cancelTimeout() {
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
      timeoutTask = null;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
