package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/** Feeds fuzz input to a muxer on an EmbeddedChannel and checks nothing escaped or leaked. */
public final class FuzzFeed {
  private FuzzFeed() {}

  /** Fuzzing closes thousands of connections for protocol errors; keep those warnings out of the log. */
  public static void quietMuxLogs(boolean quiet) {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.topicmesh.node.mux"))
        .setLevel(quiet ? ch.qos.logback.classic.Level.ERROR : null);
  }

  /**
   * Writes each chunk while the channel is open; no exception may reach the end of the pipeline,
   * and every input buffer must have been released once the channel is finished.
   */
  public static void feed(EmbeddedChannel ch, List<byte[]> chunks) {
    List<ByteBuf> inputs = new ArrayList<>();
    try {
      for (byte[] c : chunks) {
        if (!ch.isOpen()) {
          break;
        }
        ByteBuf in = Unpooled.buffer(c.length).writeBytes(c);
        inputs.add(in);
        ch.writeInbound(in);
        ch.runPendingTasks();
        ch.checkException();
      }
      ch.close();
      ch.runPendingTasks();
      ch.checkException();
    } finally {
      ch.finishAndReleaseAll();
    }
    for (ByteBuf in : inputs) {
      assertThat(in.refCnt()).as("input buffer released").isZero();
    }
  }
}
