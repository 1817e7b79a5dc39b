package io.topicmesh.node.pubsub.wire;

/**
 * Protocol limits on inbound RPCs, checked by {@link RpcCodec} while counting fields and before any
 * record is built. They bound what one peer can make us allocate per frame; they are kept apart
 * from the overlay parameters (D, gossip…) which tune behaviour, not safety.
 *
 * @param maxRpcSize largest accepted frame payload in bytes (default: 1 MiB of message data plus
 *     64 KiB of envelope, cf. go-libp2p-pubsub's 1 MiB DefaultMaxMessageSize)
 * @param maxSubscriptions subscription entries per RPC
 * @param maxMessages published messages per RPC
 * @param maxControlEntries IHAVE + IWANT + GRAFT + PRUNE + IDONTWANT entries per RPC
 * @param maxMessageIds message ids across all control entries of one RPC
 * @param maxPrunePeers PX peer entries across all PRUNEs of one RPC
 */
public record RpcLimits(
    int maxRpcSize,
    int maxSubscriptions,
    int maxMessages,
    int maxControlEntries,
    int maxMessageIds,
    int maxPrunePeers) {
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;
  public static final int ENVELOPE_OVERHEAD = 64 << 10;

  public RpcLimits {
    positive("maxRpcSize", maxRpcSize);
    positive("maxSubscriptions", maxSubscriptions);
    positive("maxMessages", maxMessages);
    positive("maxControlEntries", maxControlEntries);
    positive("maxMessageIds", maxMessageIds);
    positive("maxPrunePeers", maxPrunePeers);
  }

  public static RpcLimits defaults() {
    return new RpcLimits(DEFAULT_MAX_MESSAGE_SIZE + ENVELOPE_OVERHEAD, 1000, 1000, 5000, 10_000, 1000);
  }

  public RpcLimits withMaxRpcSize(int size) {
    return new RpcLimits(
        size, maxSubscriptions, maxMessages, maxControlEntries, maxMessageIds, maxPrunePeers);
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("RpcLimits." + field + " must be > 0, got " + value);
    }
  }
}
