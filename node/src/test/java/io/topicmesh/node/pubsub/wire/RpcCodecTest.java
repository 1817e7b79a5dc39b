package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RpcCodecTest {
  private final RpcCodec codec = new RpcCodec(RpcLimits.defaults());

  static MessageId id(String s) {
    return new MessageId(ByteString.copyFromUtf8(s));
  }

  static Rpc fullRpc() {
    PubsubMessage m =
        new PubsubMessage(
            ByteString.copyFrom(new byte[] {1, 2}),
            ByteString.copyFromUtf8("hello"),
            ByteString.copyFrom(new byte[8]),
            "t",
            ByteString.copyFrom(new byte[] {9}),
            null);
    ControlMessage c =
        new ControlMessage(
            List.of(new ControlIHave("t", List.of(id("a"), id("b")))),
            List.of(new ControlIWant(List.of(id("c")))),
            List.of(new ControlGraft("t")),
            List.of(
                new ControlPrune(
                    "t", List.of(new PeerInfo(ByteString.copyFromUtf8("p"), null)), 60L)),
            List.of(new ControlIDontWant(List.of(id("d")))));
    return new Rpc(List.of(new SubOpts(true, "t"), new SubOpts(false, "u")), List.of(m), c);
  }

  @Test
  void roundTripsEveryField() {
    Rpc rpc = fullRpc();
    assertThat(codec.decode(RpcCodec.encode(rpc))).isEqualTo(rpc);
    assertThat(codec.decodeFrame(RpcCodec.encodeFrame(rpc))).isEqualTo(rpc);
  }

  @Test
  void absentOptionalFieldsStayAbsent() {
    Rpc rpc = Rpc.ofMessages(List.of(PubsubMessage.anonymous("t", ByteString.copyFromUtf8("x"))));
    PubsubMessage back = codec.decode(RpcCodec.encode(rpc)).publish().get(0);
    assertThat(back.hasFrom()).isFalse();
    assertThat(back.hasSeqno()).isFalse();
    assertThat(back.hasSignature()).isFalse();
    assertThat(back.hasKey()).isFalse();
    ControlPrune prune =
        codec.decode(RpcCodec.encode(Rpc.ofControl(prune(ControlPrune.of("t")))))
            .control()
            .prune()
            .get(0);
    assertThat(prune.backoffSeconds()).isNull();
  }

  @Test
  void fieldNumbersMatchTheSpec() {
    // subscriptions=1 {subscribe=1, topicid=2}; control=3 {graft=3 {topicID=1}, idontwant=5 {ids=1}}
    Rpc rpc =
        new Rpc(
            List.of(new SubOpts(true, "t")),
            List.of(),
            new ControlMessage(
                List.of(),
                List.of(),
                List.of(new ControlGraft("t")),
                List.of(),
                List.of(new ControlIDontWant(List.of(id("i"))))));
    assertThat(HexFormat.of().formatHex(RpcCodec.encode(rpc)))
        .isEqualTo("0a05" + "0801" + "120174" + "1a0a" + "1a03" + "0a0174" + "2a03" + "0a0169");
  }

  @Test
  void messageEncodingUsesSpecFieldNumbers() {
    PubsubMessage m =
        new PubsubMessage(
            ByteString.copyFrom(new byte[] {7}),
            ByteString.copyFrom(new byte[] {8}),
            ByteString.copyFrom(new byte[] {9}),
            "t",
            null,
            null);
    assertThat(HexFormat.of().formatHex(RpcCodec.encodeMessage(m)))
        .isEqualTo("0a0107" + "120108" + "1a0109" + "220174");
  }

  private static ControlMessage prune(ControlPrune p) {
    return new ControlMessage(List.of(), List.of(), List.of(), List.of(p), List.of());
  }

  @Test
  void absentDataStaysAbsentSoSignaturesOverReencodedMessagesMatch() {
    PubsubMessage noData = new PubsubMessage(ByteString.copyFromUtf8("f"), null, null, "t", null, null);
    byte[] enc = RpcCodec.encodeMessage(noData);
    assertThat(HexFormat.of().formatHex(enc)).isEqualTo("0a0166" + "220174");
    PubsubMessage back = codec.decode(RpcCodec.encode(Rpc.ofMessages(List.of(noData)))).publish().get(0);
    assertThat(back.hasData()).isFalse();
    assertThat(back.data().isEmpty()).isTrue();
    assertThat(RpcCodec.encodeMessage(back)).isEqualTo(enc);
    PubsubMessage empty = new PubsubMessage(null, ByteString.EMPTY, null, "t", null, null);
    assertThat(codec.decode(RpcCodec.encode(Rpc.ofMessages(List.of(empty)))).publish().get(0).hasData()).isTrue();
  }
}
