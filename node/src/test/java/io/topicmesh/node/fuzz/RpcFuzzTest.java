package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.topicmesh.node.pubsub.router.partial.IndexedParts;
import io.topicmesh.node.pubsub.router.partial.PartialDecodeException;
import io.topicmesh.node.pubsub.wire.PartialMessageRpc;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcDecodeException;
import io.topicmesh.node.pubsub.wire.RpcFrameDecoder;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pubsub RPC frames: a varint length and the protobuf payload, counted against {@link RpcLimits}
 * before anything is built. The input goes through {@link RpcCodec#decodeFrame} and, split in two
 * reads, through the stream's {@link RpcFrameDecoder}; tight limits (64 KiB, 8 entries of each kind)
 * so the fuzzer reaches every bound, and the defaults on the same input.
 */
class RpcFuzzTest {
  private static final RpcCodec TIGHT = new RpcCodec(new RpcLimits(64 << 10, 8, 8, 8, 8, 8));
  private static final RpcCodec DEFAULTS = new RpcCodec(RpcLimits.defaults());

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void rpcFrame(byte[] input) {
    decodeAndRoundTrip(TIGHT, input);
    decodeAndRoundTrip(DEFAULTS, input);
    streamDecode(TIGHT, input);
  }

  static void decodeAndRoundTrip(RpcCodec codec, byte[] input) {
    Rpc rpc;
    try {
      rpc = codec.decodeFrame(input);
    } catch (RpcDecodeException e) {
      assertThat(e.reason()).isNotNull();
      return;
    }
    // what the router would send on: it encodes, and decodes to the same records
    assertThat(codec.decodeFrame(RpcCodec.encodeFrame(rpc))).isEqualTo(rpc);
    partialPayloads(rpc);
  }

  /** The partial-messages payloads (RPC field 10) decode within bounds or fail with the one documented error. */
  static void partialPayloads(Rpc rpc) {
    PartialMessageRpc pm = rpc.partial();
    if (pm == null) {
      return;
    }
    try {
      if (pm.partsMetadata() != null) {
        IndexedParts.Metadata md = IndexedParts.decodeMetadata(pm.partsMetadata(), 64);
        assertThat(md.have().length()).isLessThanOrEqualTo(md.total());
      }
    } catch (PartialDecodeException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    try {
      if (pm.partialMessage() != null) {
        IndexedParts.Parts parts = IndexedParts.decodeParts(pm.partialMessage(), 64, 1 << 16);
        assertThat(parts.parts().size()).isLessThanOrEqualTo(parts.total());
      }
    } catch (PartialDecodeException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /** The stream path: frames in two reads; only decoded RPCs and the documented errors come out. */
  static void streamDecode(RpcCodec codec, byte[] input) {
    List<Throwable> errors = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec), new ChannelInboundHandlerAdapter() {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
      }
    });
    try {
      int split = input.length == 0 ? 0 : (input[0] & 0xFF) % (input.length + 1);
      ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, 0, split)));
      ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, split, input.length)));
      Object out;
      while ((out = ch.readInbound()) != null) {
        assertThat(out).isInstanceOf(Rpc.class);
      }
      for (Throwable t : errors) {
        boolean documented = t instanceof TooLongFrameException
            || (t instanceof DecoderException && t.getCause() instanceof RpcDecodeException);
        if (!documented) {
          throw new AssertionError("RpcFrameDecoder raised an undocumented error", t);
        }
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
