package io.topicmesh.node.mux.mplex;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.MuxHandler;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.StreamChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mplex ({@code /mplex/6.7.0}, libp2p specs mplex/README.md) on a netty pipeline.
 *
 * <ul>
 *   <li>Stream ids count from 0 on each side; a stream is known by its id plus who opened it,
 *       which the flag of every message tells (Initiator / Receiver variants).
 *   <li>NewStream carries the stream name; we send the decimal id, as js-libp2p does, and ignore
 *       the names we receive.
 *   <li>mplex has no flow control. Messages are at most 1 MiB; a stream whose pipeline falls more
 *       than {@link MuxConfig#mplexMaxStreamBufferBytes()} bytes behind is reset (go-mplex resets
 *       slow readers too), and at most {@link MuxConfig#maxInboundStreams()} inbound streams may
 *       be open (extra NewStream get a Reset).
 *   <li>Messages for streams we do not know (e.g. closed locally) are dropped; a NewStream for an
 *       id already open, flag 7, an oversized or malformed message close the connection.
 * </ul>
 */
public class MplexHandler extends MuxHandler {
  /** The multistream-select protocol id. */
  public static final String PROTOCOL_ID = "/mplex/6.7.0";

  private static final Logger log = LoggerFactory.getLogger(MplexHandler.class);

  private long nextStreamId;

  /**
   * @param isInitiator true on the side that dialed the connection (kept for symmetry with yamux;
   *     mplex ids do not depend on it)
   * @param config limits
   * @param inboundStreamInitializer {@code @Sharable} handler added to each inbound stream
   */
  public MplexHandler(boolean isInitiator, MuxConfig config, ChannelHandler inboundStreamInitializer) {
    this(isInitiator, config, inboundStreamInitializer, MuxListener.NOOP);
  }

  public MplexHandler(
      boolean isInitiator,
      MuxConfig config,
      ChannelHandler inboundStreamInitializer,
      MuxListener listener) {
    super(config, inboundStreamInitializer, listener);
  }

  @Override
  public String protocolId() {
    return PROTOCOL_ID;
  }

  @Override
  protected boolean decodeFrame(ByteBuf in) throws MuxException {
    MplexFrame frame = MplexFrameCodec.decode(in, MuxConfig.MPLEX_MAX_FRAME);
    if (frame == null) {
      return false;
    }
    ByteBuf data = frame.data();
    try {
      long id = frame.streamId();
      // A flag from the initiator concerns a stream the peer opened, i.e. inbound for us.
      boolean inbound = frame.flag().fromInitiator();
      StreamChannel s = stream(streamKey(id, inbound));
      if (frame.flag() == MplexFlag.NEW_STREAM) {
        if (s != null) {
          throw new MuxException(MuxError.DUPLICATE_STREAM, "NewStream for open stream " + id);
        }
        if (acceptInbound(id, null, false) == null && connection().isWritable()) {
          writeFrame(MplexFrameCodec.encode(ctx().alloc(), id, MplexFlag.RESET_RECEIVER));
        }
        return true;
      }
      if (s == null) {
        listener().frameDropped(connection(), MuxError.UNKNOWN_STREAM);
        log.debug("{} dropped {} for unknown stream", connection(), frame);
        return true;
      }
      switch (frame.flag()) {
        case MESSAGE_INITIATOR, MESSAGE_RECEIVER -> {
          ByteBuf owned = data;
          data = null;
          deliverData(s, owned);
        }
        case CLOSE_INITIATOR, CLOSE_RECEIVER -> deliverRemoteCloseWrite(s);
        case RESET_INITIATOR, RESET_RECEIVER -> deliverRemoteReset(s);
        default -> throw new IllegalStateException(frame.toString());
      }
      return true;
    } finally {
      if (data != null) {
        data.release();
      }
    }
  }

  @Override
  protected long streamKey(long id, boolean inbound) {
    return id << 1 | (inbound ? 1 : 0);
  }

  @Override
  protected long nextOutboundId() {
    return nextStreamId++;
  }

  @Override
  protected String outboundRefusal() {
    return nextStreamId > MplexFrameCodec.MAX_STREAM_ID ? "stream ids exhausted" : null;
  }

  @Override
  protected void writeStreamOpen(StreamChannel s) {
    ByteBuf name = ByteBufUtil.writeAscii(ctx().alloc(), Long.toString(s.streamId()));
    writeFrame(MplexFrameCodec.encode(ctx().alloc(), s.streamId(), MplexFlag.NEW_STREAM, name));
  }

  @Override
  protected int sendCredit(StreamChannel s) {
    return config.maxSendFrameLength();
  }

  @Override
  protected void writeDataFrame(StreamChannel s, ByteBuf data) {
    writeFrame(
        MplexFrameCodec.encode(
            ctx().alloc(), s.streamId(), MplexFlag.message(!s.isInbound()), data));
  }

  @Override
  protected void writeCloseWriteFrame(StreamChannel s) {
    writeFrame(MplexFrameCodec.encode(ctx().alloc(), s.streamId(), MplexFlag.close(!s.isInbound())));
  }

  @Override
  protected void writeResetFrame(StreamChannel s) {
    writeFrame(MplexFrameCodec.encode(ctx().alloc(), s.streamId(), MplexFlag.reset(!s.isInbound())));
  }

  @Override
  protected long maxConnectionBufferBytes() {
    return config.maxConnectionBufferBytes();
  }

  @Override
  protected int maxStreamBufferBytes() {
    return config.mplexMaxStreamBufferBytes();
  }
}
