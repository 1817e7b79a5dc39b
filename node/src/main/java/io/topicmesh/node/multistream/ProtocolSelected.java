package io.topicmesh.node.multistream;

import io.netty.channel.Channel;

/**
 * Called on the channel's event loop once both sides agreed on {@code protocol}, before any byte
 * that followed the negotiation travels down the pipeline: add the protocol's handlers here with
 * {@code channel.pipeline().addLast(...)} and they receive those bytes.
 */
@FunctionalInterface
public interface ProtocolSelected {
  void selected(Channel channel, String protocol) throws Exception;
}
