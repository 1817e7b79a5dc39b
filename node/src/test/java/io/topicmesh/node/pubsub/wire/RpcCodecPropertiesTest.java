package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RpcCodecPropertiesTest {
  private final RpcCodec codec = new RpcCodec(new RpcLimits(64 * 1024, 50, 50, 50, 200, 20));

  @Property(tries = 500)
  void arbitraryBytesDecodeOrFailWithATypedError(@ForAll @Size(max = 512) byte[] input) {
    try {
      Rpc rpc = codec.decode(input);
      assertThat(rpc).isNotNull();
    } catch (RpcDecodeException e) {
      assertThat(e.reason()).isNotNull();
    }
  }

  @Property(tries = 200)
  void mutatedValidRpcsDecodeOrFailWithATypedError(
      @ForAll("rpcs") Rpc rpc, @ForAll @IntRange(min = 0, max = 10_000) int pos, @ForAll byte value) {
    byte[] b = RpcCodec.encode(rpc);
    if (b.length > 0) {
      b[pos % b.length] = value;
    }
    try {
      codec.decode(b);
    } catch (RpcDecodeException e) {
      assertThat(e.reason()).isNotNull();
    }
  }

  @Property(tries = 200)
  void recordsRoundTrip(@ForAll("rpcs") Rpc rpc) {
    assertThat(codec.decode(RpcCodec.encode(rpc))).isEqualTo(rpc);
  }

  @Property(tries = 100)
  void framesSurviveAnyChunking(@ForAll("rpcs") Rpc a, @ForAll("rpcs") Rpc b, @ForAll @IntRange(min = 1, max = 64) int chunk) {
    byte[] fa = RpcCodec.encodeFrame(a);
    byte[] fb = RpcCodec.encodeFrame(b);
    byte[] all = new byte[fa.length + fb.length];
    System.arraycopy(fa, 0, all, 0, fa.length);
    System.arraycopy(fb, 0, all, fa.length, fb.length);
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    List<ByteBuf> written = new ArrayList<>();
    for (int i = 0; i < all.length; i += chunk) {
      ByteBuf buf = Unpooled.copiedBuffer(all, i, Math.min(chunk, all.length - i));
      written.add(buf);
      ch.writeInbound(buf);
    }
    assertThat((Rpc) ch.readInbound()).isEqualTo(a);
    assertThat((Rpc) ch.readInbound()).isEqualTo(b);
    assertThat(ch.finishAndReleaseAll()).isFalse();
    assertThat(written).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
  }

  @Provide
  Arbitrary<Rpc> rpcs() {
    Arbitrary<String> topics = Arbitraries.strings().alpha().ofMaxLength(8);
    Arbitrary<ByteString> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(16).map(ByteString::copyFrom);
    Arbitrary<ByteString> optBytes = bytes.injectNull(0.3);
    Arbitrary<MessageId> ids = bytes.map(MessageId::new);
    Arbitrary<SubOpts> subs = Combinators.combine(Arbitraries.of(true, false), topics).as(SubOpts::new);
    Arbitrary<PubsubMessage> msgs =
        Combinators.combine(optBytes, optBytes, optBytes, topics, optBytes, optBytes).as(PubsubMessage::new);
    Arbitrary<ControlIHave> ihave = Combinators.combine(topics, ids.list().ofMaxSize(4)).as(ControlIHave::new);
    Arbitrary<ControlIWant> iwant = ids.list().ofMaxSize(4).map(ControlIWant::new);
    Arbitrary<ControlGraft> graft = topics.map(ControlGraft::new);
    Arbitrary<PeerInfo> info = Combinators.combine(bytes, optBytes).as(PeerInfo::new);
    Arbitrary<ControlPrune> prune =
        Combinators.combine(topics, info.list().ofMaxSize(3), Arbitraries.longs().injectNull(0.3)).as(ControlPrune::new);
    Arbitrary<ControlIDontWant> idw = ids.list().ofMaxSize(4).map(ControlIDontWant::new);
    Arbitrary<ControlMessage> control =
        Combinators.combine(
                ihave.list().ofMaxSize(2), iwant.list().ofMaxSize(2), graft.list().ofMaxSize(2),
                prune.list().ofMaxSize(2), idw.list().ofMaxSize(2))
            .as(ControlMessage::new);
    return Combinators.combine(subs.list().ofMaxSize(3), msgs.list().ofMaxSize(3), control).as(Rpc::new);
  }
}
