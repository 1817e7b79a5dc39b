package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Property helper: payloads sent on a few streams arrive intact and in order whatever the chunking
 * of the connection bytes and whether the streams read eagerly or late.
 */
public final class PayloadIntegrity {
  private PayloadIntegrity() {}

  /** One payload on one of a few streams (index 0..3). */
  public record Send(int stream, String text) {}

  /** Encodes the sends as the peer would; {@code index -> id} is up to the protocol. */
  public interface Encoder {
    /** Frame bytes opening stream {@code index} (may be empty if the first data frame opens it). */
    byte[] open(int index);

    byte[] data(int index, boolean first, byte[] payload);
  }

  public static void check(
      Function<ChannelInitializer<StreamChannel>, MuxHandler> muxFactory,
      Encoder enc,
      List<Send> sends,
      int chunk,
      boolean eager) {
    Map<Long, Recorder> recorders = new LinkedHashMap<>();
    List<StreamChannel> streams = new ArrayList<>();
    ChannelInitializer<StreamChannel> init =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(StreamChannel s) {
            s.config().setAutoRead(eager);
            Recorder r = new Recorder();
            s.pipeline().addLast(r);
            recorders.put(s.streamId(), r);
            streams.add(s);
          }
        };
    EmbeddedChannel ch = new EmbeddedChannel(muxFactory.apply(init));
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    Map<Integer, ByteArrayOutputStream> expected = new LinkedHashMap<>();
    for (Send s : sends) {
      boolean first = !expected.containsKey(s.stream());
      if (first) {
        wire.writeBytes(enc.open(s.stream()));
        expected.put(s.stream(), new ByteArrayOutputStream());
      }
      byte[] payload = s.text().getBytes(StandardCharsets.UTF_8);
      wire.writeBytes(enc.data(s.stream(), first, payload));
      expected.get(s.stream()).writeBytes(payload);
    }
    byte[] bytes = wire.toByteArray();
    try {
      for (int off = 0; off < bytes.length; off += chunk) {
        ByteBuf in = Unpooled.buffer().writeBytes(bytes, off, Math.min(chunk, bytes.length - off));
        ch.writeInbound(in);
        ch.checkException();
      }
      for (StreamChannel s : streams) {
        s.config().setAutoRead(true);
      }
      ch.runPendingTasks();
      assertThat(ch.isActive()).isTrue();
      assertThat(recorders).hasSize(expected.size());
      List<String> got = new ArrayList<>();
      for (Recorder r : recorders.values()) {
        got.add(r.text());
      }
      List<String> want = new ArrayList<>();
      for (ByteArrayOutputStream b : expected.values()) {
        want.add(b.toString(StandardCharsets.UTF_8));
      }
      assertThat(got).isEqualTo(want);
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
