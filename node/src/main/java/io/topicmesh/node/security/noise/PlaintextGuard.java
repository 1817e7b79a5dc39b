package io.topicmesh.node.security.noise;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits where the transport codec will go while the handshake runs, so that nothing a later handler
 * writes can reach the wire unencrypted: such writes fail and their message is released.
 */
final class PlaintextGuard extends ChannelOutboundHandlerAdapter {
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ReferenceCountUtil.release(msg);
    promise.setFailure(new IllegalStateException("write before the noise handshake completed"));
  }
}
