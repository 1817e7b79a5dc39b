package io.topicmesh.node.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.interop.InteropPeer.Kind;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A go-libp2p peer and a js-libp2p peer talking to each other through the harness: proves the
 * peers, their shared contract and {@link InteropPeer} before our own host joins them.
 */
class InteropPeerHarnessIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void goAndJsConnectIdentifyPingAndGossipBothWays() {
    String topic = "harness-" + UUID.randomUUID();
    try (InteropPeer go = InteropPeer.start(Kind.GO, "--key-seed", "101", "--topic", topic, "--heartbeat-ms", "100", "--trace-rpc");
         InteropPeer js = InteropPeer.start(Kind.JS, "--key-seed", "102", "--topic", topic, "--heartbeat-ms", "100", "--trace-rpc")) {

      PeerEvent dialed = js.dial(go.listenAddr());
      assertThat(dialed.string("peer")).isEqualTo(go.peerId());

      PeerEvent jsConn = js.awaitEvent("connected to the go peer", e -> e.is("connected", "peer", go.peerId()), WAIT);
      assertThat(jsConn.string("direction")).isEqualTo("outbound");
      assertThat(jsConn.string("muxer")).isEqualTo("/yamux/1.0.0");
      assertThat(jsConn.string("security")).isEqualTo("/noise");
      assertThat(jsConn.string("addr")).isEqualTo(withoutPeerId(go.listenAddr()));
      PeerEvent goConn = go.awaitEvent("connected to the js peer", e -> e.is("connected", "peer", js.peerId()), WAIT);
      assertThat(goConn.string("direction")).isEqualTo("inbound");
      assertThat(goConn.string("muxer")).isEqualTo("/yamux/1.0.0");
      assertThat(goConn.string("security")).isEqualTo("/noise");

      // identify, both ways: each reports what the other sent about itself
      PeerEvent goSawJs = go.awaitEvent("identify of the js peer", e -> e.is("identify", "peer", js.peerId()), WAIT);
      assertThat(goSawJs.strings("protocols"))
          .contains("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0");
      assertThat(goSawJs.strings("listenAddrs")).contains(withoutPeerId(js.listenAddr()));
      assertThat(goSawJs.string("agentVersion")).startsWith("topicmesh-interop-js/");
      assertThat(goSawJs.string("protocolVersion")).isEqualTo("ipfs/0.1.0");
      assertThat(goSawJs.string("publicKey")).isEqualTo(js.publicKey());
      assertThat(goSawJs.bool("signedPeerRecord")).isTrue();
      assertThat(withoutPeerId(goSawJs.string("observedAddr"))).isEqualTo(withoutPeerId(go.listenAddr()));

      PeerEvent jsSawGo = js.awaitEvent("identify of the go peer", e -> e.is("identify", "peer", go.peerId()), WAIT);
      assertThat(jsSawGo.strings("protocols"))
          .contains("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0");
      assertThat(jsSawGo.strings("listenAddrs")).contains(withoutPeerId(go.listenAddr()));
      assertThat(jsSawGo.string("agentVersion")).startsWith("topicmesh-interop-go/");
      assertThat(jsSawGo.string("publicKey")).isEqualTo(go.publicKey());
      assertThat(jsSawGo.bool("signedPeerRecord")).isTrue();
      assertThat(withoutPeerId(jsSawGo.string("observedAddr"))).isEqualTo(goConn.string("addr"));

      // the identify command repeats what was learned
      assertThat(js.identify(go.peerId()).strings("protocols")).isEqualTo(jsSawGo.strings("protocols"));
      assertThat(go.identify(js.peerId()).string("publicKey")).isEqualTo(js.publicKey());

      assertThat(js.ping(go.peerId())).isBetween(0.0, 10_000.0);
      assertThat(go.ping(js.peerId())).isBetween(0.0, 10_000.0);

      go.awaitEvent("a mesh holding the js peer", e -> e.is("mesh", "topic", topic) && e.strings("peers").contains(js.peerId()), WAIT);
      js.awaitEvent("a mesh holding the go peer", e -> e.is("mesh", "topic", topic) && e.strings("peers").contains(go.peerId()), WAIT);
      assertThat(go.mesh(topic)).containsExactly(js.peerId());
      // whoever grafted first, the GRAFT one peer traced going out is the one the other traced coming in
      PeerEvent graft = go.awaitEvent("a traced GRAFT", e -> e.is("rpc") && e.strings("graft").contains(topic), WAIT);
      String opposite = graft.string("direction").equals("out") ? "in" : "out";
      js.awaitEvent("the matching traced GRAFT (" + opposite + ")", e -> e.is("rpc", "direction", opposite)
          && e.string("peer").equals(go.peerId()) && e.strings("graft").contains(topic), WAIT);
      assertThat(js.subscribers(topic)).containsExactly(go.peerId());

      assertDelivered(go, js, topic, "from go " + UUID.randomUUID());
      assertDelivered(js, go, topic, "from js " + UUID.randomUUID());

      js.hangup(go.peerId());
      go.awaitEvent("the js peer disconnecting", e -> e.is("disconnected", "peer", js.peerId()), WAIT);
      assertThat(go.peers().strings("peers")).doesNotContain(js.peerId());
    }
  }

  @Test
  void floodsubPeersExchangeMessagesAndTraceThem() {
    String topic = "flood-" + UUID.randomUUID();
    try (InteropPeer go = InteropPeer.start(Kind.GO, "--pubsub", "floodsub", "--topic", topic, "--trace-rpc");
         InteropPeer js = InteropPeer.start(Kind.JS, "--pubsub", "floodsub", "--topic", topic, "--trace-rpc", "--dial", go.listenAddr())) {
      go.awaitEvent("the js peer's subscription", e -> e.is("subscription", "peer", js.peerId()) && e.bool("subscribed"), WAIT);
      js.awaitEvent("the go peer's subscription", e -> e.is("subscription", "peer", go.peerId()) && e.bool("subscribed"), WAIT);
      assertThat(js.identify(go.peerId()).strings("protocols")).contains("/floodsub/1.0.0");

      PeerEvent delivered = assertDelivered(js, go, topic, "flooded from js");
      PeerEvent traced = go.awaitEvent("the traced incoming RPC carrying it", e -> e.is("rpc", "direction", "in")
          && !e.objects("messages").isEmpty(), WAIT);
      assertThat(traced.objects("messages").get(0))
          .containsEntry("topic", topic)
          .containsEntry("from", js.peerId())
          .containsEntry("seqno", delivered.string("seqno"));
      assertDelivered(go, js, topic, "flooded from go");
      assertThat(go.mesh(topic)).isEmpty();
    }
  }

  @Test
  void mplexIsNegotiatedWhenTheListenerOffersOnlyMplex() {
    try (InteropPeer go = InteropPeer.start(Kind.GO, "--muxer", "mplex", "--pubsub", "none");
         InteropPeer js = InteropPeer.start(Kind.JS, "--muxer", "both", "--pubsub", "none")) {
      assertThat(js.dial(go.listenAddr()).string("muxer")).isEqualTo("/mplex/6.7.0");
      PeerEvent goConn = go.awaitEvent("an mplex connection", e -> e.is("connected", "peer", js.peerId()), WAIT);
      assertThat(goConn.string("muxer")).isEqualTo("/mplex/6.7.0");
      assertThat(go.ping(js.peerId())).isBetween(0.0, 10_000.0);
      assertThat(js.ping(go.peerId())).isBetween(0.0, 10_000.0);
    }
  }

  @Test
  void sameKeySeedGivesTheSameIdentityInBothImplementations() {
    try (InteropPeer go = InteropPeer.start(Kind.GO, "--key-seed", "7", "--pubsub", "none");
         InteropPeer js = InteropPeer.start(Kind.JS, "--key-seed", "7", "--pubsub", "none")) {
      assertThat(go.peerId()).isEqualTo(js.peerId());
      assertThat(go.publicKey()).isEqualTo(js.publicKey()).isEqualTo(InteropKeys.publicKeyProtobufBase64("7"));
      assertThat(go.peerId()).startsWith("12D3KooW");
    }
  }

  @Test
  void badCommandsAnswerWithErrorsAndThePeerKeepsRunning() {
    try (InteropPeer go = InteropPeer.start(Kind.GO, "--pubsub", "none");
         InteropPeer js = InteropPeer.start(Kind.JS, "--pubsub", "none")) {
      for (InteropPeer peer : new InteropPeer[] {go, js}) {
        long mark = peer.mark();
        peer.send("frobnicate");
        PeerEvent err = peer.awaitEventAfter(mark, "an error for the unknown command", e -> e.is("error", "command", "frobnicate"), WAIT);
        assertThat(err.string("message")).contains("unknown command");
        mark = peer.mark();
        peer.send("ping not-a-peer-id");
        assertThat(peer.awaitEventAfter(mark, "an error for the bad peer id", e -> e.is("error"), WAIT).string("message"))
            .contains("bad peer id");
        assertThat(peer.peers().strings("peers")).isEmpty();
      }
    }
  }

  private static PeerEvent assertDelivered(InteropPeer publisher, InteropPeer receiver, String topic, String text) {
    byte[] data = text.getBytes(UTF_8);
    String b64 = Base64.getEncoder().encodeToString(data);
    publisher.publish(topic, data);
    PeerEvent m = receiver.awaitEvent("the message '" + text + "'", e -> e.is("message", "data", b64), WAIT);
    assertThat(m.string("topic")).isEqualTo(topic);
    assertThat(m.string("from")).isEqualTo(publisher.peerId());
    assertThat(m.string("receivedFrom")).isEqualTo(publisher.peerId());
    String seqno = m.string("seqno");
    assertThat(seqno).hasSize(16).matches("[0-9a-f]{16}");
    // default id of both implementations: the publisher's PeerId bytes (identity multihash of its
    // public key protobuf) followed by the 8-byte seqno
    ByteArrayOutputStream id = new ByteArrayOutputStream();
    byte[] key = Base64.getDecoder().decode(publisher.publicKey());
    id.write(0x00);
    id.write(key.length);
    id.writeBytes(key);
    id.writeBytes(HexFormat.of().parseHex(seqno));
    assertThat(m.bytes("id")).isEqualTo(id.toByteArray());
    return m;
  }

  private static String withoutPeerId(String multiaddr) {
    return multiaddr.replaceFirst("/p2p/[^/]+$", "");
  }
}
