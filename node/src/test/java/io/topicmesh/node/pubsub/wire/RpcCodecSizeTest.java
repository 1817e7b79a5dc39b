package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The arithmetic sizes of {@link RpcCodec} agree with the protobuf encoding, byte for byte. */
class RpcCodecSizeTest {

  @Property(tries = 500)
  void rpcSizeIsTheEncodedLength(@ForAll("rpcs") Rpc rpc) {
    assertThat(RpcCodec.encodedSize(rpc)).isEqualTo(RpcCodec.encode(rpc).length);
    assertThat(RpcCodec.encodedSize(rpc)).isEqualTo(RpcCodec.toProto(rpc).getSerializedSize());
  }

  @Property(tries = 300)
  void messageSizeIsTheEncodedLength(@ForAll("messages") PubsubMessage m) {
    assertThat(RpcCodec.encodedSize(m)).isEqualTo(RpcCodec.encodeMessage(m).length);
  }

  @Test
  void largeFieldsAndMultiByteLengths() {
    ByteString big = ByteString.copyFrom(new byte[70_000]);
    PubsubMessage m = new PubsubMessage(big, big, ByteString.EMPTY, "t\u00e9\ud83d\ude00", big, ByteString.EMPTY);
    Rpc rpc =
        new Rpc(
            List.of(new SubOpts(true, "\u4e2d\u6587", true, true)),
            List.of(m, PubsubMessage.anonymous("", null)),
            new ControlMessage(
                List.of(new ControlIHave("a", List.of(new MessageId(big)))),
                List.of(new ControlIWant(List.of())),
                List.of(new ControlGraft("g")),
                List.of(new ControlPrune("p", List.of(new PeerInfo(null, null), new PeerInfo(big, big)), Long.MAX_VALUE)),
                List.of(new ControlIDontWant(List.of(MessageId.of(new byte[200])))),
                new ControlExtensions(true, true)),
            new PartialMessageRpc("p", ByteString.EMPTY, big, null),
            true);
    assertThat(RpcCodec.encodedSize(rpc)).isEqualTo(RpcCodec.encode(rpc).length);
    assertThat(RpcCodec.encodedSize(m)).isEqualTo(RpcCodec.encodeMessage(m).length);
    assertThat(RpcCodec.encodedSize(Rpc.EMPTY)).isZero();
  }

  @Provide
  Arbitrary<PubsubMessage> messages() {
    Arbitrary<String> topics = Arbitraries.strings().all().ofMaxLength(12);
    Arbitrary<ByteString> optBytes = bytes().injectNull(0.3);
    return Combinators.combine(optBytes, optBytes, optBytes, topics, optBytes, optBytes).as(PubsubMessage::new);
  }

  private static Arbitrary<ByteString> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(ByteString::copyFrom);
  }

  @Provide
  Arbitrary<Rpc> rpcs() {
    Arbitrary<String> topics = Arbitraries.strings().all().ofMaxLength(10);
    Arbitrary<Boolean> bool = Arbitraries.of(true, false);
    Arbitrary<MessageId> ids = bytes().map(MessageId::new);
    Arbitrary<List<MessageId>> idLists = ids.list().ofMaxSize(5);
    Arbitrary<SubOpts> subs = Combinators.combine(bool, topics, bool, bool).as(SubOpts::new);
    Arbitrary<ControlIHave> ihave = Combinators.combine(topics, idLists).as(ControlIHave::new);
    Arbitrary<ControlIWant> iwant = idLists.map(ControlIWant::new);
    Arbitrary<ControlGraft> graft = topics.map(ControlGraft::new);
    Arbitrary<PeerInfo> px = Combinators.combine(bytes().injectNull(0.3), bytes().injectNull(0.5)).as(PeerInfo::new);
    Arbitrary<Long> backoff = Arbitraries.longs().between(0, Long.MAX_VALUE).injectNull(0.3);
    Arbitrary<ControlPrune> prune = Combinators.combine(topics, px.list().ofMaxSize(3), backoff).as(ControlPrune::new);
    Arbitrary<ControlIDontWant> idw = idLists.map(ControlIDontWant::new);
    Arbitrary<ControlExtensions> ext = Combinators.combine(bool, bool).as(ControlExtensions::new).injectNull(0.6);
    Arbitrary<ControlMessage> control =
        Combinators.combine(
                ihave.list().ofMaxSize(3),
                iwant.list().ofMaxSize(3),
                graft.list().ofMaxSize(3),
                prune.list().ofMaxSize(3),
                idw.list().ofMaxSize(3),
                ext)
            .as(ControlMessage::new);
    Arbitrary<PartialMessageRpc> partial =
        Combinators.combine(topics, bytes(), bytes().injectNull(0.4), bytes().injectNull(0.4))
            .as(PartialMessageRpc::new)
            .injectNull(0.6);
    return Combinators.combine(subs.list().ofMaxSize(3), messages().list().ofMaxSize(3), control, partial, bool)
        .as(Rpc::new);
  }
}
