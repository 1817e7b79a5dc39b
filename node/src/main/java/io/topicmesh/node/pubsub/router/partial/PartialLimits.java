package io.topicmesh.node.pubsub.router.partial;

/**
 * Bounds on what partial messages may hold in memory; everything a peer can make us keep is
 * counted against one of them. Defaults: {@link #defaults()}.
 *
 * @param maxGroups groups held across all topics (own and peer-initiated); a publish beyond it
 *     evicts the oldest group, a peer's new group beyond it is dropped (default 1024)
 * @param maxPeerInitiatedGroupsPerTopic groups that peers (not we) created on one topic (default
 *     255, as go-libp2p-pubsub)
 * @param maxPeerInitiatedGroupsPerPeer groups one peer created on one topic (default 8, as
 *     go-libp2p-pubsub)
 * @param maxPartsPerGroup parts in one group (default 1024)
 * @param maxGroupBytes bytes of parts in one group; also bounds one partial RPC (default 1 MiB, the
 *     largest full message)
 * @param maxTotalBytes bytes of parts across all groups (default 64 MiB)
 * @param maxGroupIdBytes length of a group id (default 256)
 * @param groupTtlHeartbeats heartbeats a group is kept after its last publish or new part (default
 *     10, at least 3 as go-libp2p-pubsub)
 * @param gossipPeersPerGroup non-mesh topic peers told our parts metadata per group (heartbeat
 *     gossip; default 6, the default Dlazy)
 */
public record PartialLimits(
    int maxGroups,
    int maxPeerInitiatedGroupsPerTopic,
    int maxPeerInitiatedGroupsPerPeer,
    int maxPartsPerGroup,
    int maxGroupBytes,
    long maxTotalBytes,
    int maxGroupIdBytes,
    int groupTtlHeartbeats,
    int gossipPeersPerGroup) {
  public PartialLimits {
    positive("maxGroups", maxGroups);
    positive("maxPeerInitiatedGroupsPerTopic", maxPeerInitiatedGroupsPerTopic);
    positive("maxPeerInitiatedGroupsPerPeer", maxPeerInitiatedGroupsPerPeer);
    positive("maxPartsPerGroup", maxPartsPerGroup);
    positive("maxGroupBytes", maxGroupBytes);
    positive("maxTotalBytes", maxTotalBytes);
    positive("maxGroupIdBytes", maxGroupIdBytes);
    if (groupTtlHeartbeats < 3) {
      throw new IllegalArgumentException("PartialLimits.groupTtlHeartbeats must be >= 3, got " + groupTtlHeartbeats);
    }
    if (gossipPeersPerGroup < 0) {
      throw new IllegalArgumentException("PartialLimits.gossipPeersPerGroup must be >= 0, got " + gossipPeersPerGroup);
    }
    if (maxTotalBytes < maxGroupBytes) {
      throw new IllegalArgumentException("PartialLimits.maxTotalBytes (" + maxTotalBytes
          + ") must be >= maxGroupBytes (" + maxGroupBytes + ")");
    }
  }

  public static PartialLimits defaults() {
    return new PartialLimits(1024, 255, 8, 1024, 1 << 20, 64L << 20, 256, 10, 6);
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException("PartialLimits." + field + " must be > 0, got " + value);
    }
  }
}
