package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-(peer, topic) message counters behind the mesh view's edges. */
class EdgeTrafficTest {
  private static PeerId peer() {
    return PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey());
  }

  private static Rpc messages(String topic, int n, int bytes) {
    List<PubsubMessage> ms = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ms.add(PubsubMessage.anonymous(topic, ByteString.copyFrom(new byte[bytes])));
    }
    return Rpc.ofMessages(ms);
  }

  @Test
  void countsMessagesBytesAndDuplicatesPerPeerAndTopicInBothDirections() {
    EdgeTraffic t = new EdgeTraffic();
    PeerId a = peer();
    PeerId b = peer();
    t.rpcReceived(a, messages("news", 3, 10));
    t.rpcReceived(a, messages("sport", 1, 5));
    t.rpcSent(a, messages("news", 2, 7));
    t.rpcSent(b, messages("news", 4, 1));
    t.duplicate("news", MessageId.of(new byte[] {1}), a);
    t.rpcReceived(b, Rpc.EMPTY);

    EdgeTraffic.Counters an = t.get(a, "news");
    assertThat(an.messagesIn()).isEqualTo(3);
    assertThat(an.bytesIn()).isEqualTo(30);
    assertThat(an.messagesOut()).isEqualTo(2);
    assertThat(an.bytesOut()).isEqualTo(14);
    assertThat(an.duplicatesIn()).isEqualTo(1);
    assertThat(t.get(a, "sport").messagesIn()).isEqualTo(1);
    assertThat(t.get(b, "news").messagesOut()).isEqualTo(4);
    assertThat(t.get(b, "news").messagesIn()).isZero();
    assertThat(t.get(b, "sport")).isNull();
    assertThat(t.size()).isEqualTo(3);
  }

  @Test
  void aPeerThatLeavesAndATopicLeftAreForgotten() {
    EdgeTraffic t = new EdgeTraffic();
    PeerId a = peer();
    PeerId b = peer();
    t.rpcReceived(a, messages("news", 1, 1));
    t.rpcReceived(a, messages("sport", 1, 1));
    t.rpcReceived(b, messages("news", 1, 1));
    t.peerRemoved(a, PubsubProtocol.MESHSUB_V12);
    assertThat(t.get(a, "news")).isNull();
    assertThat(t.size()).isEqualTo(1);
    t.left("news");
    assertThat(t.get(b, "news")).isNull();
    assertThat(t.size()).isZero();
  }

  @Test
  void stopsCountingNewEdgesAtItsBound() {
    EdgeTraffic t = new EdgeTraffic();
    PeerId a = peer();
    for (int i = 0; i < EdgeTraffic.MAX_EDGES + 10; i++) {
      t.rpcSent(a, messages("t" + i, 1, 1));
    }
    assertThat(t.size()).isEqualTo(EdgeTraffic.MAX_EDGES);
    assertThat(t.skipped()).isEqualTo(10);
    // an edge already counted keeps counting
    t.rpcSent(a, messages("t0", 1, 1));
    assertThat(t.get(a, "t0").messagesOut()).isEqualTo(2);
  }
}
