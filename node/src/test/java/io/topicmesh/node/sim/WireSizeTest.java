package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.ControlGraft;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireSizeTest {
  private static MessageId id(int n, int len) {
    byte[] b = new byte[len];
    b[0] = (byte) n;
    return MessageId.of(b);
  }

  private static void same(Rpc rpc) {
    long f = WireSize.frame(rpc);
    assertThat(WireSize.total(f)).as("frame size of %s", rpc).isEqualTo(RpcCodec.encodeFrame(rpc).length);
    int data = 0;
    for (PubsubMessage m : rpc.publish()) {
      data += RpcCodec.encodedSize(Rpc.ofMessages(List.of(m)));
    }
    assertThat(WireSize.data(f)).isEqualTo(data);
  }

  @Test
  void sizesMatchTheCodec() {
    same(Rpc.EMPTY);
    same(new Rpc(List.of(new SubOpts(true, "topic"), new SubOpts(false, "tøpic")), List.of(), null));
    same(Rpc.ofMessages(List.of(PubsubMessage.anonymous("t", ByteString.copyFrom(new byte[100_000])))));
    same(Rpc.ofMessages(List.of(
        new PubsubMessage(ByteString.copyFrom(new byte[38]), ByteString.copyFrom(new byte[5]),
            ByteString.copyFrom(new byte[8]), "blocks", ByteString.copyFrom(new byte[64]), ByteString.copyFrom(new byte[36])),
        PubsubMessage.anonymous("t", ByteString.EMPTY))));
    same(Rpc.ofControl(new ControlMessage(
        List.of(new ControlIHave("t", List.of(id(1, 20), id(2, 20)))),
        List.of(new ControlIWant(List.of(id(3, 46)))),
        List.of(new ControlGraft("a-topic")),
        List.of(new ControlPrune("t", List.of(new PeerInfo(ByteString.copyFrom(new byte[34]), null)), 60L),
            ControlPrune.of("u")),
        List.of(new ControlIDontWant(List.of(id(4, 20), id(5, 300)))))));
  }
}
