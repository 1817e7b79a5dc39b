package io.topicmesh.node.pubsub.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.topicmesh.node.util.Varint;

/** {@link Rpc} records → length-prefixed frames. */
public final class RpcFrameEncoder extends MessageToByteEncoder<Rpc> {
  public RpcFrameEncoder() {
    super(Rpc.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Rpc rpc, ByteBuf out) {
    byte[] payload = RpcCodec.encode(rpc);
    Varint.write(out, payload.length);
    out.writeBytes(payload);
  }
}
