package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.util.Map;

/**
 * Router events for metrics, tracing and tests. Events are collected under the router mutex and
 * dispatched after it is released, in the order they happened, on the releasing thread: keep
 * implementations quick and non-blocking.
 */
public interface RouterObserver {
  default void peerAdded(PeerId peer, PubsubProtocol protocol, Direction direction) {}

  default void peerRemoved(PeerId peer, PubsubProtocol protocol) {}

  default void joined(String topic) {}

  default void left(String topic) {}

  default void grafted(PeerId peer, String topic, GraftReason reason) {}

  default void pruned(PeerId peer, String topic, PruneReason reason) {}

  default void published(String topic, MessageId id, int bytes, int peers) {}

  /** A message passed validation; {@code validationMillis} from first receipt to accept. */
  default void delivered(String topic, MessageId id, PeerId source, int bytes, long validationMillis) {}

  default void forwarded(String topic, MessageId id, int peers) {}

  default void duplicate(String topic, MessageId id, PeerId source) {}

  default void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {}

  default void rpcReceived(PeerId peer, Rpc rpc) {}

  /** The host could not decode a frame from the peer. */
  default void invalidRpc(PeerId peer, io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason reason) {}

  default void rpcSent(PeerId peer, Rpc rpc) {}

  /** An RPC from a peer below the graylist threshold was ignored. */
  default void graylisted(PeerId peer) {}

  default void ihaveReceived(PeerId peer, String topic, int ids) {}

  default void ihaveSent(PeerId peer, String topic, int ids) {}

  default void iwantReceived(PeerId peer, int ids) {}

  default void iwantSent(PeerId peer, int ids) {}

  default void idontwantReceived(PeerId peer, int ids) {}

  default void idontwantSent(PeerId peer, int ids) {}

  /** An IHAVE was ignored because the peer exceeded maxIHaveMessages/maxIHaveLength. */
  default void ihaveFlood(PeerId peer) {}

  /** A GRAFT arrived during backoff and was penalised. */
  default void graftDuringBackoff(PeerId peer, String topic) {}

  /** v1.3: the peer's first RPC on a /meshsub/1.3.0 stream told its extensions (NONE: it sent none). */
  default void extensionsReceived(PeerId peer, io.topicmesh.node.pubsub.wire.ControlExtensions extensions) {}

  /** v1.3: an Extensions message after the peer's first RPC was ignored and penalised (P7). */
  default void extensionsMisbehaviour(PeerId peer) {}

  /** v1.3: a TestExtension message arrived from a peer with which the test extension is on. */
  default void testExtensionReceived(PeerId peer) {}

  default void outboundDropped(PeerId peer, DropReason reason, int count) {}

  /** Called at the end of each heartbeat with per-topic mesh and fanout sizes and peer scores. */
  default void heartbeat(
      long durationNanos,
      Map<String, Integer> meshSizes,
      Map<String, Integer> fanoutSizes,
      Map<PeerId, Double> scores,
      Map<PubsubProtocol, Integer> peersByProtocol,
      Map<PeerId, Integer> queueDepths) {}
}
