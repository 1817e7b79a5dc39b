package io.topicmesh.node.mux;

import io.netty.channel.ChannelHandler;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import java.util.List;

/** The muxers we speak, in our order of preference, for multistream-select negotiation. */
public final class Muxers {
  /** Protocol ids, preferred first: yamux (flow control), then mplex (deprecated upstream). */
  public static final List<String> PROTOCOL_IDS =
      List.of(YamuxHandler.PROTOCOL_ID, MplexHandler.PROTOCOL_ID);

  private Muxers() {}

  /**
   * A new muxer for the negotiated {@code protocolId}.
   *
   * @param isInitiator true on the side that dialed the connection
   * @throws IllegalArgumentException for a protocol id not in {@link #PROTOCOL_IDS}
   */
  public static MuxHandler create(
      String protocolId,
      boolean isInitiator,
      MuxConfig config,
      ChannelHandler inboundStreamInitializer,
      MuxListener listener) {
    return switch (protocolId) {
      case YamuxHandler.PROTOCOL_ID ->
          new YamuxHandler(isInitiator, config, inboundStreamInitializer, listener);
      case MplexHandler.PROTOCOL_ID ->
          new MplexHandler(isInitiator, config, inboundStreamInitializer, listener);
      default ->
          throw new IllegalArgumentException(
              "no muxer for protocol " + protocolId + "; supported: " + PROTOCOL_IDS);
    };
  }
}
