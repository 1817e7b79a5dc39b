package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason;
import io.topicmesh.node.pubsub.wire.pb.RpcProtos;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RpcCodecHostileTest {
  private final RpcLimits limits = new RpcLimits(4096, 3, 3, 4, 10, 2);
  private final RpcCodec codec = new RpcCodec(limits);

  private static Reason reasonOf(Runnable r) {
    try {
      r.run();
    } catch (RpcDecodeException e) {
      return e.reason();
    }
    throw new AssertionError("expected an RpcDecodeException");
  }

  @Test
  void oversizedPayloadIsRefusedBeforeParsing() {
    byte[] big = new byte[4097];
    assertThat(reasonOf(() -> codec.decode(big))).isEqualTo(Reason.FRAME_TOO_LARGE);
  }

  @Test
  void tooManySubscriptions() {
    List<SubOpts> subs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      subs.add(new SubOpts(true, "t" + i));
    }
    byte[] b = RpcCodec.encode(new Rpc(subs, List.of(), null));
    assertThat(reasonOf(() -> codec.decode(b))).isEqualTo(Reason.TOO_MANY_SUBSCRIPTIONS);
  }

  @Test
  void tooManyMessages() {
    List<PubsubMessage> msgs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      msgs.add(PubsubMessage.anonymous("t", ByteString.EMPTY));
    }
    byte[] b = RpcCodec.encode(Rpc.ofMessages(msgs));
    assertThat(reasonOf(() -> codec.decode(b))).isEqualTo(Reason.TOO_MANY_MESSAGES);
  }

  @Test
  void tooManyControlEntriesCountedAcrossRepeatedControlFields() {
    // protobuf merges repeated occurrences of field 3; the count must add them up
    RpcProtos.ControlMessage c =
        RpcProtos.ControlMessage.newBuilder()
            .addGraft(RpcProtos.ControlGraft.newBuilder().setTopicID("a"))
            .addGraft(RpcProtos.ControlGraft.newBuilder().setTopicID("b"))
            .addGraft(RpcProtos.ControlGraft.newBuilder().setTopicID("c"))
            .build();
    byte[] one = RpcProtos.RPC.newBuilder().setControl(c).build().toByteArray();
    byte[] two = new byte[one.length * 2];
    System.arraycopy(one, 0, two, 0, one.length);
    System.arraycopy(one, 0, two, one.length, one.length);
    assertThat(codec.decode(one).control().graft()).hasSize(3);
    assertThat(reasonOf(() -> codec.decode(two))).isEqualTo(Reason.TOO_MANY_CONTROL_ENTRIES);
  }

  @Test
  void tooManyMessageIdsInIhave() {
    List<MessageId> ids = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      ids.add(MessageId.of(new byte[] {(byte) i}));
    }
    byte[] b =
        RpcCodec.encode(
            Rpc.ofControl(
                new ControlMessage(
                    List.of(new ControlIHave("t", ids)), List.of(), List.of(), List.of(), List.of())));
    assertThat(reasonOf(() -> codec.decode(b))).isEqualTo(Reason.TOO_MANY_MESSAGE_IDS);
  }

  @Test
  void tooManyPxPeers() {
    List<PeerInfo> peers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      peers.add(new PeerInfo(ByteString.copyFrom(new byte[] {(byte) i}), null));
    }
    byte[] b =
        RpcCodec.encode(
            Rpc.ofControl(
                new ControlMessage(
                    List.of(), List.of(), List.of(), List.of(new ControlPrune("t", peers, 1L)),
                    List.of())));
    assertThat(reasonOf(() -> codec.decode(b))).isEqualTo(Reason.TOO_MANY_PRUNE_PEERS);
  }

  @Test
  void truncatedAndGarbageInputIsMalformed() {
    byte[] good = RpcCodec.encode(RpcCodecTest.fullRpc());
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
    assertThat(reasonOf(() -> new RpcCodec(RpcLimits.defaults()).decode(truncated)))
        .isEqualTo(Reason.MALFORMED);
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    assertThat(reasonOf(() -> codec.decode(garbage))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void frameLengthMismatchIsMalformed() {
    byte[] frame = RpcCodec.encodeFrame(RpcCodecTest.fullRpc());
    byte[] extra = java.util.Arrays.copyOf(frame, frame.length + 1);
    assertThatThrownBy(() -> new RpcCodec(RpcLimits.defaults()).decodeFrame(extra))
        .isInstanceOf(RpcDecodeException.class)
        .hasMessageContaining("declares");
  }

  /** Fuzzing finding (RpcFuzzTest): a bad length prefix escaped as Varint's own exception. */
  @Test
  void frameLengthPrefixErrorsAreDecodeErrors() {
    RpcCodec small = new RpcCodec(RpcLimits.defaults().withMaxRpcSize(100));
    assertThat(reasonOf(() -> small.decodeFrame(new byte[0]))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> small.decodeFrame(new byte[] {(byte) 0x80}))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> small.decodeFrame(new byte[] {(byte) 0x81, 0x00}))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> small.decodeFrame(new byte[] {(byte) 0xe5, 0x01})))
        .isEqualTo(Reason.FRAME_TOO_LARGE);
  }

  @Test
  void unknownFieldsAreSkippedNotCounted() {
    // field 11 (unassigned; 10 is now the partial-messages extension) as length-delimited: 0x5a len 1 byte
    byte[] b = {0x5a, 0x01, 0x00, 0x0a, 0x03, 0x12, 0x01, 0x74};
    Rpc rpc = codec.decode(b);
    assertThat(rpc.subscriptions()).containsExactly(new SubOpts(false, "t"));
  }
}
