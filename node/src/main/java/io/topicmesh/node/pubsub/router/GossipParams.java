package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;

import io.topicmesh.api.GossipSchema;
import java.time.Duration;

/**
 * Gossipsub overlay parameters. Defaults follow the gossipsub v1.0/v1.1/v1.2 specs' recommended
 * values, as go-libp2p-pubsub ships them (gossipsub.go); where the spec is silent the source is
 * named. Validation runs in the canonical constructor, so every instance is valid; a failure names
 * the field and its value. The members the operator also sets (the degrees, heartbeat, history,
 * fanout and seen TTLs, flood publishing, the IDONTWANT threshold) take their defaults and rules
 * from {@link GossipSchema}, the one definition node and operator share; a shared member's error
 * names it as the wire does ({@code heartbeatIntervalMs=0: must be > 0}).
 *
 * @param d target mesh degree (spec v1.0: 6)
 * @param dlo lower mesh bound; below it the heartbeat grafts (spec: 5)
 * @param dhi upper mesh bound; above it the heartbeat prunes (spec: 12)
 * @param dscore peers kept by score when pruning an oversubscribed mesh (spec v1.1: 4)
 * @param dout outbound connections kept in the mesh; must be below dlo and at most d/2 (spec v1.1: 2)
 * @param dlazy minimum peers gossiped to per heartbeat (spec: 6)
 * @param gossipFactor share of eligible non-mesh peers gossiped to (spec v1.1: 0.25)
 * @param historyLength heartbeats of messages kept for IWANT (spec: 5)
 * @param historyGossip heartbeats of messages advertised in IHAVE (spec: 3)
 * @param gossipRetransmission times one peer may IWANT the same message (go: 3)
 * @param heartbeatInitialDelay delay before the first heartbeat (go: 100 ms)
 * @param heartbeatInterval heartbeat period (spec: 1 s)
 * @param fanoutTtl fanout kept for a topic we stopped publishing to (spec: 60 s)
 * @param seenTtl how long a message id stays in the seen cache (go: 120 s)
 * @param prunePeers PX entries sent with a PRUNE (spec v1.1: 16)
 * @param pruneBackoff backoff announced in PRUNE and applied to pruned peers (spec v1.1: 60 s)
 * @param unsubscribeBackoff backoff announced when leaving a topic (go: 10 s)
 * @param graftFloodThreshold a GRAFT this soon after the backoff started is penalised twice (go: 10 s)
 * @param opportunisticGraftTicks heartbeats between opportunistic grafting rounds (go: 60)
 * @param opportunisticGraftPeers peers grafted per opportunistic round (go: 2)
 * @param directConnectTicks heartbeats between reconnect attempts to direct peers (go: 300)
 * @param maxIHaveLength message ids accepted from one peer in IHAVEs per heartbeat (go: 5000)
 * @param maxIHaveMessages IHAVE messages accepted from one peer per heartbeat (go: 10)
 * @param iwantFollowupTime time a peer has to deliver a message it advertised (go: 3 s)
 * @param floodPublish own messages go to all topic peers above the publish threshold (spec v1.1: on)
 * @param idontwantThreshold minimum message size (bytes) that triggers IDONTWANT (go: 1 KiB)
 * @param idontwantTtlTicks heartbeats an IDONTWANT is honoured (go: 3)
 * @param maxIDontWantMessages IDONTWANT ids remembered per peer (go: 1000)
 * @param maxOutboundQueue data messages queued per peer before drops (go: 32)
 * @param maxValidationQueue messages awaiting validation before throttling (go: 32 per topic; ours is
 *     router-wide)
 * @param maxPendingDials PX dials the router starts per heartbeat (go bounds its dial queue at 128);
 *     the host dialer keeps at most 64 of them in flight
 */
public record GossipParams(
    int d,
    int dlo,
    int dhi,
    int dscore,
    int dout,
    int dlazy,
    double gossipFactor,
    int historyLength,
    int historyGossip,
    int gossipRetransmission,
    Duration heartbeatInitialDelay,
    Duration heartbeatInterval,
    Duration fanoutTtl,
    Duration seenTtl,
    int prunePeers,
    Duration pruneBackoff,
    Duration unsubscribeBackoff,
    Duration graftFloodThreshold,
    int opportunisticGraftTicks,
    int opportunisticGraftPeers,
    int directConnectTicks,
    int maxIHaveLength,
    int maxIHaveMessages,
    Duration iwantFollowupTime,
    boolean floodPublish,
    int idontwantThreshold,
    int idontwantTtlTicks,
    int maxIDontWantMessages,
    int maxOutboundQueue,
    int maxValidationQueue,
    int maxPendingDials) {

  public GossipParams {
    validate(
        d, dlo, dhi, dscore, dout, dlazy, gossipFactor, historyLength, historyGossip,
        gossipRetransmission, heartbeatInitialDelay, heartbeatInterval, fanoutTtl, seenTtl,
        prunePeers, pruneBackoff, unsubscribeBackoff, graftFloodThreshold, opportunisticGraftTicks,
        opportunisticGraftPeers, directConnectTicks, maxIHaveLength, maxIHaveMessages,
        iwantFollowupTime, idontwantThreshold, idontwantTtlTicks, maxIDontWantMessages,
        maxOutboundQueue, maxValidationQueue, maxPendingDials);
  }

  public static GossipParams defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  @SuppressWarnings("ParameterNumber")
  private static void validate(
      int d, int dlo, int dhi, int dscore, int dout, int dlazy, double gossipFactor,
      int historyLength, int historyGossip, int gossipRetransmission, Duration heartbeatInitialDelay,
      Duration heartbeatInterval, Duration fanoutTtl, Duration seenTtl, int prunePeers,
      Duration pruneBackoff, Duration unsubscribeBackoff, Duration graftFloodThreshold,
      int opportunisticGraftTicks, int opportunisticGraftPeers, int directConnectTicks,
      int maxIHaveLength, int maxIHaveMessages, Duration iwantFollowupTime,
      int idontwantThreshold, int idontwantTtlTicks, int maxIDontWantMessages,
      int maxOutboundQueue, int maxValidationQueue, int maxPendingDials) {
    InvalidParamsException.shared(() -> GossipSchema.checkShared(d, dlo, dhi, dscore, dout, dlazy,
        heartbeatInterval, historyLength, historyGossip, fanoutTtl, seenTtl, idontwantThreshold));
    check(
        gossipFactor >= 0 && gossipFactor <= 1, "gossipFactor", gossipFactor, "must be in [0, 1]");
    check(gossipRetransmission >= 1, "gossipRetransmission", gossipRetransmission, "must be >= 1");
    nonNegative(heartbeatInitialDelay, "heartbeatInitialDelay");
    check(prunePeers >= 0, "prunePeers", prunePeers, "must be >= 0");
    nonNegative(pruneBackoff, "pruneBackoff");
    nonNegative(unsubscribeBackoff, "unsubscribeBackoff");
    nonNegative(graftFloodThreshold, "graftFloodThreshold");
    check(opportunisticGraftTicks >= 1, "opportunisticGraftTicks", opportunisticGraftTicks, "must be >= 1");
    check(opportunisticGraftPeers >= 0, "opportunisticGraftPeers", opportunisticGraftPeers, "must be >= 0");
    check(directConnectTicks >= 1, "directConnectTicks", directConnectTicks, "must be >= 1");
    check(maxIHaveLength >= 1, "maxIHaveLength", maxIHaveLength, "must be >= 1");
    check(maxIHaveMessages >= 1, "maxIHaveMessages", maxIHaveMessages, "must be >= 1");
    positive(iwantFollowupTime, "iwantFollowupTime");
    check(idontwantTtlTicks >= 1, "idontwantTtlTicks", idontwantTtlTicks, "must be >= 1");
    check(maxIDontWantMessages >= 1, "maxIDontWantMessages", maxIDontWantMessages, "must be >= 1");
    check(maxOutboundQueue >= 1, "maxOutboundQueue", maxOutboundQueue, "must be >= 1");
    check(maxValidationQueue >= 1, "maxValidationQueue", maxValidationQueue, "must be >= 1");
    check(maxPendingDials >= 1, "maxPendingDials", maxPendingDials, "must be >= 1");
  }

  private static void positive(Duration v, String field) {
    check(v != null && !v.isNegative() && !v.isZero(), field, v, "must be a positive duration");
  }

  private static void nonNegative(Duration v, String field) {
    check(v != null && !v.isNegative(), field, v, "must be a non-negative duration");
  }

  /** Builder seeded with the defaults. */
  public static final class Builder {
    private int d = GossipSchema.DEFAULT_D;
    private int dlo = GossipSchema.DEFAULT_DLO;
    private int dhi = GossipSchema.DEFAULT_DHI;
    private int dscore = GossipSchema.DEFAULT_DSCORE;
    private int dout = GossipSchema.DEFAULT_DOUT;
    private int dlazy = GossipSchema.DEFAULT_DLAZY;
    private double gossipFactor = 0.25;
    private int historyLength = GossipSchema.DEFAULT_HISTORY_LENGTH;
    private int historyGossip = GossipSchema.DEFAULT_HISTORY_GOSSIP;
    private int gossipRetransmission = 3;
    private Duration heartbeatInitialDelay = Duration.ofMillis(100);
    private Duration heartbeatInterval = Duration.ofMillis(GossipSchema.DEFAULT_HEARTBEAT_INTERVAL_MS);
    private Duration fanoutTtl = Duration.ofMillis(GossipSchema.DEFAULT_FANOUT_TTL_MS);
    private Duration seenTtl = Duration.ofMillis(GossipSchema.DEFAULT_SEEN_TTL_MS);
    private int prunePeers = 16;
    private Duration pruneBackoff = Duration.ofMinutes(1);
    private Duration unsubscribeBackoff = Duration.ofSeconds(10);
    private Duration graftFloodThreshold = Duration.ofSeconds(10);
    private int opportunisticGraftTicks = 60;
    private int opportunisticGraftPeers = 2;
    private int directConnectTicks = 300;
    private int maxIHaveLength = 5000;
    private int maxIHaveMessages = 10;
    private Duration iwantFollowupTime = Duration.ofSeconds(3);
    private boolean floodPublish = GossipSchema.DEFAULT_FLOOD_PUBLISH;
    private int idontwantThreshold = GossipSchema.DEFAULT_IDONTWANT_THRESHOLD;
    private int idontwantTtlTicks = 3;
    private int maxIDontWantMessages = 1000;
    private int maxOutboundQueue = 32;
    private int maxValidationQueue = 32;
    private int maxPendingDials = 128;

    Builder() {}

    Builder(GossipParams p) {
      d = p.d; dlo = p.dlo; dhi = p.dhi; dscore = p.dscore; dout = p.dout; dlazy = p.dlazy;
      gossipFactor = p.gossipFactor; historyLength = p.historyLength;
      historyGossip = p.historyGossip; gossipRetransmission = p.gossipRetransmission;
      heartbeatInitialDelay = p.heartbeatInitialDelay; heartbeatInterval = p.heartbeatInterval;
      fanoutTtl = p.fanoutTtl; seenTtl = p.seenTtl; prunePeers = p.prunePeers;
      pruneBackoff = p.pruneBackoff; unsubscribeBackoff = p.unsubscribeBackoff;
      graftFloodThreshold = p.graftFloodThreshold;
      opportunisticGraftTicks = p.opportunisticGraftTicks;
      opportunisticGraftPeers = p.opportunisticGraftPeers;
      directConnectTicks = p.directConnectTicks; maxIHaveLength = p.maxIHaveLength;
      maxIHaveMessages = p.maxIHaveMessages; iwantFollowupTime = p.iwantFollowupTime;
      floodPublish = p.floodPublish; idontwantThreshold = p.idontwantThreshold;
      idontwantTtlTicks = p.idontwantTtlTicks; maxIDontWantMessages = p.maxIDontWantMessages;
      maxOutboundQueue = p.maxOutboundQueue; maxValidationQueue = p.maxValidationQueue;
      maxPendingDials = p.maxPendingDials;
    }

    /** Sets d, dlo and dhi together. */
    public Builder mesh(int d, int dlo, int dhi) { this.d = d; this.dlo = dlo; this.dhi = dhi; return this; }
    public Builder d(int v) { d = v; return this; }
    public Builder dlo(int v) { dlo = v; return this; }
    public Builder dhi(int v) { dhi = v; return this; }
    public Builder dscore(int v) { dscore = v; return this; }
    public Builder dout(int v) { dout = v; return this; }
    public Builder dlazy(int v) { dlazy = v; return this; }
    public Builder gossipFactor(double v) { gossipFactor = v; return this; }
    public Builder historyLength(int v) { historyLength = v; return this; }
    public Builder historyGossip(int v) { historyGossip = v; return this; }
    public Builder gossipRetransmission(int v) { gossipRetransmission = v; return this; }
    public Builder heartbeatInitialDelay(Duration v) { heartbeatInitialDelay = v; return this; }
    public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
    public Builder fanoutTtl(Duration v) { fanoutTtl = v; return this; }
    public Builder seenTtl(Duration v) { seenTtl = v; return this; }
    public Builder prunePeers(int v) { prunePeers = v; return this; }
    public Builder pruneBackoff(Duration v) { pruneBackoff = v; return this; }
    public Builder unsubscribeBackoff(Duration v) { unsubscribeBackoff = v; return this; }
    public Builder graftFloodThreshold(Duration v) { graftFloodThreshold = v; return this; }
    public Builder opportunisticGraftTicks(int v) { opportunisticGraftTicks = v; return this; }
    public Builder opportunisticGraftPeers(int v) { opportunisticGraftPeers = v; return this; }
    public Builder directConnectTicks(int v) { directConnectTicks = v; return this; }
    public Builder maxIHaveLength(int v) { maxIHaveLength = v; return this; }
    public Builder maxIHaveMessages(int v) { maxIHaveMessages = v; return this; }
    public Builder iwantFollowupTime(Duration v) { iwantFollowupTime = v; return this; }
    public Builder floodPublish(boolean v) { floodPublish = v; return this; }
    public Builder idontwantThreshold(int v) { idontwantThreshold = v; return this; }
    public Builder idontwantTtlTicks(int v) { idontwantTtlTicks = v; return this; }
    public Builder maxIDontWantMessages(int v) { maxIDontWantMessages = v; return this; }
    public Builder maxOutboundQueue(int v) { maxOutboundQueue = v; return this; }
    public Builder maxValidationQueue(int v) { maxValidationQueue = v; return this; }
    public Builder maxPendingDials(int v) { maxPendingDials = v; return this; }

    public GossipParams build() {
      return new GossipParams(
          d, dlo, dhi, dscore, dout, dlazy, gossipFactor, historyLength, historyGossip,
          gossipRetransmission, heartbeatInitialDelay, heartbeatInterval, fanoutTtl, seenTtl,
          prunePeers, pruneBackoff, unsubscribeBackoff, graftFloodThreshold,
          opportunisticGraftTicks, opportunisticGraftPeers, directConnectTicks, maxIHaveLength,
          maxIHaveMessages, iwantFollowupTime, floodPublish, idontwantThreshold,
          idontwantTtlTicks, maxIDontWantMessages, maxOutboundQueue, maxValidationQueue,
          maxPendingDials);
    }
  }
}
