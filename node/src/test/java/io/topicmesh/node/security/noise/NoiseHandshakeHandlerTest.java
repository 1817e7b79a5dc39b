package io.topicmesh.node.security.noise;

import static io.topicmesh.node.security.noise.Pipes.drainOutbound;
import static io.topicmesh.node.security.noise.Pipes.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.security.noise.NoiseException.Reason;
import io.topicmesh.node.security.noise.pb.NoiseProtos.NoiseExtensions;
import io.topicmesh.node.security.noise.pb.NoiseProtos.NoiseHandshakePayload;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NoiseHandshakeHandlerTest {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.topicmesh.node.testing.NettyLeakCheck LEAKS =
      new io.topicmesh.node.testing.NettyLeakCheck("io.topicmesh.node.security.noise");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final List<String> MUXERS = List.of("/yamux/1.0.0", "/mplex/6.7.0");

  private static PrivKey key(KeyType type) {
    return PrivKey.generate(type, RANDOM);
  }

  /** One side: a channel with the handshake handler; a capture joins when the session is up. */
  private static final class Side {
    final NoiseCounters counters = new NoiseCounters();
    final PrivKey identity;
    final NoiseHandshakeHandler handler;
    final Pipes.Capture capture = new Pipes.Capture();
    final EmbeddedChannel ch;

    Side(PrivKey identity, boolean initiator, PeerId expected, List<String> muxers) {
      this.identity = identity;
      handler = new NoiseHandshakeHandler(identity, initiator, expected, muxers, TIMEOUT, counters);
      ch = new EmbeddedChannel();
      ch.freezeTime();
      handler.sessionFuture().thenAccept(s -> ch.pipeline().addLast(capture));
      ch.pipeline().addLast(handler);
    }

    PeerId peerId() {
      return PeerId.fromPublicKey(identity.publicKey());
    }
  }

  private static Reason failureReason(CompletableFuture<SecureSession> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("future succeeded");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(NoiseException.class);
      return ((NoiseException) e.getCause()).reason();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void handshakeAuthenticatesBothSidesAndExchangesMuxers(KeyType type) throws Exception {
    Side r = new Side(key(type), false, null, List.of("/mplex/6.7.0"));
    Side i = new Side(key(KeyType.ED25519), true, r.peerId(), MUXERS);
    exchange(i.ch, r.ch);

    SecureSession si = i.handler.sessionFuture().getNow(null);
    SecureSession sr = r.handler.sessionFuture().getNow(null);
    assertThat(si).isNotNull();
    assertThat(sr).isNotNull();
    assertThat(si.localPeer()).isEqualTo(i.peerId());
    assertThat(si.remotePeer()).isEqualTo(r.peerId());
    assertThat(si.remotePublicKey()).isEqualTo(r.identity.publicKey());
    assertThat(si.remoteMuxers()).containsExactly("/mplex/6.7.0");
    assertThat(sr.remotePeer()).isEqualTo(i.peerId());
    assertThat(sr.remoteMuxers()).containsExactlyElementsOf(MUXERS);
    assertThat(si.inlinedMuxer()).contains("/mplex/6.7.0");
    assertThat(sr.inlinedMuxer()).contains("/mplex/6.7.0");
    assertThat(i.capture.events).containsExactly(si);
    assertThat(r.capture.events).containsExactly(sr);
    assertThat(i.ch.pipeline().get(NoiseHandshakeHandler.class)).isNull();
    assertThat(i.ch.pipeline().get(NoiseTransportCodec.class)).isNotNull();
    assertThat(i.counters.handshakesSucceeded()).isEqualTo(1);
    assertThat(r.counters.handshakesSucceeded()).isEqualTo(1);

    // Application bytes now travel encrypted, both ways, including multi-frame writes.
    byte[] big = random(300_000);
    i.ch.writeOutbound(Unpooled.wrappedBuffer(big));
    r.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {4, 2}));
    exchange(i.ch, r.ch);
    assertThat(r.capture.get()).isEqualTo(big);
    assertThat(i.capture.get()).containsExactly(4, 2);
    assertThat(i.ch.finishAndReleaseAll()).isFalse();
    assertThat(r.ch.finishAndReleaseAll()).isFalse();
  }

  private static SecureSession[] handshake(List<String> initiatorMuxers, List<String> responderMuxers) {
    Side r = new Side(key(KeyType.ED25519), false, null, responderMuxers);
    Side i = new Side(key(KeyType.ED25519), true, r.peerId(), initiatorMuxers);
    exchange(i.ch, r.ch);
    SecureSession[] out = {i.handler.sessionFuture().join(), r.handler.sessionFuture().join()};
    i.ch.finishAndReleaseAll();
    r.ch.finishAndReleaseAll();
    return out;
  }

  @Test
  void inlinedMuxerIsTheInitiatorsFirstChoiceThatTheResponderSupports() {
    // The spec's example: the client prefers yamux, the server prefers mplex; yamux wins.
    SecureSession[] s = handshake(List.of("/yamux/1.0.0", "/mplex/6.7.0"), List.of("/mplex/6.7.0", "/yamux/1.0.0"));
    assertThat(s[0].inlinedMuxer()).contains("/yamux/1.0.0");
    assertThat(s[1].inlinedMuxer()).contains("/yamux/1.0.0");
    // A side that lists none: negotiate with multistream later.
    s = handshake(List.of(), List.of("/yamux/1.0.0"));
    assertThat(s[0].inlinedMuxer()).isEmpty();
    assertThat(s[1].inlinedMuxer()).isEmpty();
    assertThat(s[0].remoteMuxers()).containsExactly("/yamux/1.0.0");
    assertThat(s[1].remoteMuxers()).isEmpty();
    // No overlap: no inlined muxer (go-libp2p falls back to multistream, which then fails).
    s = handshake(List.of("/mplex/6.7.0"), List.of("/yamux/1.0.0"));
    assertThat(s[0].inlinedMuxer()).isEmpty();
    assertThat(s[1].inlinedMuxer()).isEmpty();
  }

  @Test
  void wireShapeOfTheThreeMessages() {
    Side r = new Side(key(KeyType.ED25519), false, null, List.of());
    Side i = new Side(key(KeyType.ED25519), true, null, List.of());
    byte[] m1 = drainOutbound(i.ch);
    // 2-byte big-endian length, then the 32-byte ephemeral key and an empty payload.
    assertThat(m1).hasSize(2 + 32);
    assertThat(m1[0]).isZero();
    assertThat(m1[1]).isEqualTo((byte) 32);
    r.ch.writeInbound(Unpooled.wrappedBuffer(m1));
    byte[] m2 = drainOutbound(r.ch);
    int len2 = ((m2[0] & 0xff) << 8) | (m2[1] & 0xff);
    assertThat(m2).hasSize(2 + len2);
    // e, encrypted s (32 + 16), encrypted payload with an Ed25519 key and a 64-byte signature.
    assertThat(len2).isGreaterThan(32 + 48 + 16 + 64);
    i.ch.writeInbound(Unpooled.wrappedBuffer(m2));
    byte[] m3 = drainOutbound(i.ch);
    r.ch.writeInbound(Unpooled.wrappedBuffer(m3));
    assertThat(i.handler.sessionFuture()).isCompleted();
    assertThat(r.handler.sessionFuture()).isCompleted();
    assertThat(i.handler.sessionFuture().join().remoteMuxers()).isEmpty();
    i.ch.finishAndReleaseAll();
    r.ch.finishAndReleaseAll();
  }

  @Test
  void bytesPipelinedBehindMessageThreeReachTheNextHandler() {
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    Side i = new Side(key(KeyType.ED25519), true, null, MUXERS);
    // The initiator writes application data as soon as its session is up.
    i.handler
        .sessionFuture()
        .thenAccept(s -> i.ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {7, 7, 7})));
    r.ch.writeInbound(Unpooled.wrappedBuffer(drainOutbound(i.ch)));
    i.ch.writeInbound(Unpooled.wrappedBuffer(drainOutbound(r.ch)));
    // Message 3 and the first transport frame arrive in one read.
    ByteBuf both = Unpooled.wrappedBuffer(drainOutbound(i.ch));
    r.ch.writeInbound(both);
    assertThat(r.handler.sessionFuture()).isCompleted();
    assertThat(r.capture.get()).containsExactly(7, 7, 7);
    assertThat(both.refCnt()).isZero();
    i.ch.finishAndReleaseAll();
    r.ch.finishAndReleaseAll();
  }

  @Test
  void writesBeforeTheSessionIsUpFailAndNeverReachTheWire() {
    Side i = new Side(key(KeyType.ED25519), true, null, MUXERS);
    byte[] m1 = drainOutbound(i.ch);
    ByteBuf early = Unpooled.wrappedBuffer("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    io.netty.channel.ChannelFuture f = i.ch.writeAndFlush(early);
    assertThat(f.isSuccess()).isFalse();
    assertThat(f.cause()).isInstanceOf(IllegalStateException.class);
    assertThat(early.refCnt()).isZero();
    assertThat(drainOutbound(i.ch)).isEmpty();
    assertThat(m1).hasSize(34);
    i.ch.finishAndReleaseAll();
  }

  @Test
  void remoteWithAnotherPeerIdIsRejected() {
    PeerId someoneElse = PeerId.fromPublicKey(key(KeyType.ED25519).publicKey());
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    Side i = new Side(key(KeyType.ED25519), true, someoneElse, MUXERS);
    exchange(i.ch, r.ch);
    assertThat(failureReason(i.handler.sessionFuture())).isEqualTo(Reason.PEER_ID_MISMATCH);
    assertThat(i.ch.isOpen()).isFalse();
    assertThat(i.counters.handshakesFailed(Reason.PEER_ID_MISMATCH)).isEqualTo(1);
    // The responder never gets message 3 and sees the close.
    r.ch.close();
    assertThat(failureReason(r.handler.sessionFuture())).isEqualTo(Reason.UNEXPECTED_EOF);
    i.ch.finishAndReleaseAll();
    r.ch.finishAndReleaseAll();
  }

  /** A scripted responder: reads the initiator's message 1 and answers with a crafted payload. */
  private static Reason initiatorFailsOn(Function<XxHandshakeState, byte[]> craftPayload, boolean flip)
      throws Exception {
    Side i = new Side(key(KeyType.ED25519), true, null, MUXERS);
    XxHandshakeState fake =
        new XxHandshakeState(
            false, new byte[0], X25519KeyPair.generate(RANDOM), X25519KeyPair.generate(RANDOM));
    byte[] m1 = drainOutbound(i.ch);
    fake.readMessage(Arrays.copyOfRange(m1, 2, m1.length));
    byte[] m2 = fake.writeMessage(craftPayload.apply(fake));
    if (flip) {
      m2[m2.length - 3] ^= 1;
    }
    ByteBuf frame = Unpooled.buffer().writeShort(m2.length).writeBytes(m2);
    i.ch.writeInbound(frame);
    assertThat(frame.refCnt()).isZero();
    assertThat(i.ch.isOpen()).isFalse();
    Reason reason = failureReason(i.handler.sessionFuture());
    assertThat(i.counters.handshakesFailed(reason)).isEqualTo(1);
    assertThat(i.ch.finishAndReleaseAll()).isFalse();
    return reason;
  }

  private static byte[] validPayload(PrivKey id, XxHandshakeState hs, NoiseExtensions ext) {
    byte[] signed = concat(NoiseHandshakeHandler.SIGNATURE_PREFIX, hs.localStaticKey());
    NoiseHandshakePayload.Builder b =
        NoiseHandshakePayload.newBuilder()
            .setIdentityKey(ByteString.copyFrom(id.publicKey().bytes()))
            .setIdentitySig(ByteString.copyFrom(id.sign(signed)));
    if (ext != null) {
      b.setExtensions(ext);
    }
    return b.build().toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void garbagePayloadIsInvalid() throws Exception {
    assertThat(initiatorFailsOn(hs -> new byte[] {0x0a, (byte) 0xff, 0x01}, false))
        .isEqualTo(Reason.INVALID_PAYLOAD);
    assertThat(initiatorFailsOn(hs -> new byte[0], false)).isEqualTo(Reason.INVALID_PAYLOAD);
  }

  @Test
  void malformedIdentityKeyIsInvalidKey() throws Exception {
    assertThat(
            initiatorFailsOn(
                hs ->
                    NoiseHandshakePayload.newBuilder()
                        .setIdentityKey(ByteString.copyFrom(new byte[] {8, 1, 18, 3, 1, 2, 3}))
                        .setIdentitySig(ByteString.copyFrom(new byte[64]))
                        .build()
                        .toByteArray(),
                false))
        .isEqualTo(Reason.INVALID_KEY);
  }

  @Test
  void signatureOverAnotherStaticKeyIsRejected() throws Exception {
    PrivKey id = key(KeyType.ED25519);
    byte[] otherStatic = X25519KeyPair.generate(RANDOM).publicKey();
    assertThat(
            initiatorFailsOn(
                hs ->
                    NoiseHandshakePayload.newBuilder()
                        .setIdentityKey(ByteString.copyFrom(id.publicKey().bytes()))
                        .setIdentitySig(
                            ByteString.copyFrom(
                                id.sign(concat(NoiseHandshakeHandler.SIGNATURE_PREFIX, otherStatic))))
                        .build()
                        .toByteArray(),
                false))
        .isEqualTo(Reason.BAD_SIGNATURE);
    // A signature that is not even well-formed for the key type.
    assertThat(
            initiatorFailsOn(
                hs ->
                    NoiseHandshakePayload.newBuilder()
                        .setIdentityKey(ByteString.copyFrom(id.publicKey().bytes()))
                        .setIdentitySig(ByteString.copyFrom(new byte[] {1, 2, 3}))
                        .build()
                        .toByteArray(),
                false))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedMessageTwoFailsWithBadMac() throws Exception {
    PrivKey id = key(KeyType.ED25519);
    assertThat(initiatorFailsOn(hs -> validPayload(id, hs, null), true)).isEqualTo(Reason.BAD_MAC);
  }

  @Test
  void unknownFieldsAndExtensionsAreIgnored() throws Exception {
    PrivKey id = key(KeyType.ED25519);
    Side i = new Side(key(KeyType.ED25519), true, PeerId.fromPublicKey(id.publicKey()), MUXERS);
    XxHandshakeState fake =
        new XxHandshakeState(
            false, new byte[0], X25519KeyPair.generate(RANDOM), X25519KeyPair.generate(RANDOM));
    byte[] m1 = drainOutbound(i.ch);
    fake.readMessage(Arrays.copyOfRange(m1, 2, m1.length));
    NoiseExtensions ext =
        NoiseExtensions.newBuilder()
            .addWebtransportCerthashes(ByteString.copyFrom(new byte[] {1, 2}))
            .addStreamMuxers("/yamux/1.0.0")
            .build();
    byte[] known = validPayload(id, fake, ext);
    // Field 3 (unassigned) and field 1025 (experimental) appended: varint key, length, bytes.
    byte[] extra = {0x1a, 0x01, 0x55, (byte) 0x8a, 0x40, 0x02, 0x66, 0x66};
    byte[] m2 = fake.writeMessage(concat(known, extra));
    i.ch.writeInbound(Unpooled.buffer().writeShort(m2.length).writeBytes(m2));
    SecureSession s = i.handler.sessionFuture().getNow(null);
    assertThat(s).isNotNull();
    assertThat(s.remoteMuxers()).containsExactly("/yamux/1.0.0");
    // And message 3 reaches the fake responder, which can finish and talk.
    byte[] m3 = drainOutbound(i.ch);
    fake.readMessage(Arrays.copyOfRange(m3, 2, m3.length));
    assertThat(fake.isComplete()).isTrue();
    i.ch.finishAndReleaseAll();
  }

  @Test
  void stalledPeerTimesOut() {
    Side i = new Side(key(KeyType.ED25519), true, null, MUXERS);
    drainOutbound(i.ch);
    i.ch.advanceTimeBy(9, TimeUnit.SECONDS);
    i.ch.runScheduledPendingTasks();
    assertThat(i.handler.sessionFuture()).isNotDone();
    i.ch.advanceTimeBy(2, TimeUnit.SECONDS);
    i.ch.runScheduledPendingTasks();
    assertThat(failureReason(i.handler.sessionFuture())).isEqualTo(Reason.TIMEOUT);
    assertThat(i.ch.isOpen()).isFalse();
    assertThat(i.counters.handshakesFailed(Reason.TIMEOUT)).isEqualTo(1);
    i.ch.finishAndReleaseAll();
  }

  @Test
  void truncatedFrameThenEofIsUnexpectedEofWithoutLeaks() {
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    ByteBuf partial = Unpooled.buffer().writeShort(32).writeBytes(new byte[10]);
    r.ch.writeInbound(partial);
    assertThat(r.handler.sessionFuture()).isNotDone();
    r.ch.close();
    assertThat(failureReason(r.handler.sessionFuture())).isEqualTo(Reason.UNEXPECTED_EOF);
    assertThat(partial.refCnt()).isZero();
    assertThat(r.ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void shortFirstMessageIsMalformed() {
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    r.ch.writeInbound(Unpooled.buffer().writeShort(5).writeBytes(new byte[5]));
    assertThat(failureReason(r.handler.sessionFuture())).isEqualTo(Reason.MALFORMED_MESSAGE);
    assertThat(r.ch.isOpen()).isFalse();
    r.ch.finishAndReleaseAll();
  }

  @Test
  void lowOrderEphemeralIsInvalidKey() {
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    r.ch.writeInbound(Unpooled.buffer().writeShort(32).writeBytes(new byte[32]));
    assertThat(failureReason(r.handler.sessionFuture())).isEqualTo(Reason.INVALID_KEY);
    r.ch.finishAndReleaseAll();
  }

  @Test
  void handshakeSurvivesOneByteReads() {
    Side r = new Side(key(KeyType.ED25519), false, null, MUXERS);
    Side i = new Side(key(KeyType.SECP256K1), true, r.peerId(), MUXERS);
    for (int round = 0; round < 3; round++) {
      EmbeddedChannel from = round % 2 == 0 ? i.ch : r.ch;
      EmbeddedChannel to = round % 2 == 0 ? r.ch : i.ch;
      byte[] bytes = drainOutbound(from);
      for (byte b : bytes) {
        to.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
      }
    }
    assertThat(i.handler.sessionFuture()).isCompleted();
    assertThat(r.handler.sessionFuture().join().remotePeer()).isEqualTo(i.peerId());
    i.ch.finishAndReleaseAll();
    r.ch.finishAndReleaseAll();
  }
}
