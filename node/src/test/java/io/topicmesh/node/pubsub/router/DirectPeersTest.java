package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectPeersTest {
  @Test
  void directPeersAreForwardedToButNeverMeshedAndAreReconnected() {
    PeerId[] direct = new PeerId[1];
    PeerId absent = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, RouterHarness.deterministicRandom(5)).publicKey());
    // the direct peer's id must be known before the router is built: make its key first
    var keys = RouterHarness.deterministicRandom(9);
    ScriptedPeer d = new ScriptedPeer(keys);
    direct[0] = d.id;
    RouterHarness h =
        new RouterHarness(
            b -> b.directPeer(direct[0]).directPeer(absent)
                .params(GossipParams.builder().directConnectTicks(5).build()));
    d.router = h.router;
    h.router.addPeer(d.id, PubsubProtocol.MESHSUB_V11.id(), Direction.OUTBOUND, null, d);
    d.subscribe("t");
    List<ScriptedPeer> others = h.peers(3, "t");
    h.subscribe("t");
    h.heartbeats(2);
    assertThat(h.router.meshPeers("t")).doesNotContain(d.id).hasSize(3);
    // a GRAFT from a direct peer is refused, and the one-sided configuration is named once (issue 15)
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(GossipRouter.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      d.graft("t");
      d.graft("t");
    } finally {
      logger.detachAppender(logs);
    }
    assertThat(h.router.meshPeers("t")).doesNotContain(d.id);
    assertThat(d.prunes()).hasSize(2);
    assertThat(logs.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains(d.id.toString())
            .contains("must be configured on both nodes"));
    // messages from mesh peers are forwarded to the direct peer
    ScriptedPeer src = others.get(0);
    src.publish(src.signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(d.messages()).hasSize(1);
    // the missing direct peer is dialed every directConnectTicks heartbeats
    h.heartbeats(10);
    assertThat(h.dialed).contains(absent).doesNotContain(d.id);
  }
}
