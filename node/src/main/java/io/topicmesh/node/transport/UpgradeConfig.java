package io.topicmesh.node.transport;

import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.Muxers;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How raw TCP connections are upgraded.
 *
 * @param localKey our identity key, proven in the Noise handshake
 * @param muxers muxer protocol ids in preference order, each {@link YamuxHandler#PROTOCOL_ID} or
 *     {@link MplexHandler#PROTOCOL_ID}
 * @param muxConfig limits of the muxer
 * @param upgradeTimeout bound on the whole upgrade, from TCP established to muxer installed; a
 *     peer that stalls anywhere in between is cut off
 * @param negotiationTimeout bound on each multistream-select negotiation (connection and streams)
 */
public record UpgradeConfig(
    PrivKey localKey,
    List<String> muxers,
    MuxConfig muxConfig,
    Duration upgradeTimeout,
    Duration negotiationTimeout) {

  public UpgradeConfig {
    Objects.requireNonNull(localKey, "localKey");
    muxers = List.copyOf(muxers);
    if (muxers.isEmpty()) {
      throw new IllegalArgumentException("muxers: need at least one of "
          + YamuxHandler.PROTOCOL_ID + ", " + MplexHandler.PROTOCOL_ID);
    }
    for (String m : muxers) {
      if (!Muxers.PROTOCOL_IDS.contains(m)) {
        throw new IllegalArgumentException("muxers: unknown muxer " + m + ", expected one of " + Muxers.PROTOCOL_IDS);
      }
    }
    Objects.requireNonNull(muxConfig, "muxConfig");
    if (upgradeTimeout.isNegative() || upgradeTimeout.isZero()) {
      throw new IllegalArgumentException("upgradeTimeout must be positive, got " + upgradeTimeout);
    }
    if (negotiationTimeout.isNegative() || negotiationTimeout.isZero()) {
      throw new IllegalArgumentException("negotiationTimeout must be positive, got " + negotiationTimeout);
    }
  }
}
