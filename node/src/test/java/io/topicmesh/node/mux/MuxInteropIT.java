package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our yamux and mplex against go-yamux v5 and go-mplex (the implementations go-libp2p uses) over
 * loopback TCP: a Go peer (src/test/go/muxpeer) echoes the streams we open and opens streams that
 * we echo. Needs the Go toolchain (and the Go module proxy or a warm module cache) to build it.
 */
class MuxInteropIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static Path peerBinary;

  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  private Process peer;
  private EventLoopGroup group;

  @BeforeAll
  static void buildPeer() throws Exception {
    String go = findGo();
    Path src = Path.of("src/test/go/muxpeer").toAbsolutePath();
    peerBinary = Path.of("target/muxpeer").toAbsolutePath();
    Process build =
        new ProcessBuilder(go, "build", "-o", peerBinary.toString(), ".")
            .directory(src.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!build.waitFor(5, TimeUnit.MINUTES) || build.exitValue() != 0) {
      throw new AssertionError("building the Go interop peer failed:\n" + output);
    }
  }

  private static String findGo() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "go"))) {
        return Path.of(dir, "go").toString();
      }
    }
    if (Files.isExecutable(Path.of("/usr/local/go/bin/go"))) {
      return "/usr/local/go/bin/go";
    }
    throw new AssertionError(
        "MuxInteropIT needs the Go toolchain ('go' on PATH or /usr/local/go/bin/go) to build its"
            + " go-yamux/go-mplex peer; none found");
  }

  @AfterEach
  void stop() throws Exception {
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (peer != null && peer.isAlive()) {
      peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"yamux", "mplex"})
  void streamsBothWaysWithTheGoImplementation(String muxer) throws Exception {
    peer = new ProcessBuilder(peerBinary.toString(), muxer, "127.0.0.1:0").start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("READ ERROR " + e);
              }
            },
            "muxpeer-stdout");
    reader.setDaemon(true);
    reader.start();
    String listen = lines.poll(30, TimeUnit.SECONDS);
    assertThat(listen).as("the Go peer's first line").startsWith("LISTEN ");
    String[] hostPort = listen.substring(7).split(":");

    CountingListener events = new CountingListener();
    MuxHandler[] mux = new MuxHandler[1];
    ChannelInitializer<StreamChannel> echoInbound =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(StreamChannel s) {
            s.pipeline().addLast(new Echo());
          }
        };
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel conn =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    mux[0] =
                        muxer.equals("yamux")
                            ? new YamuxHandler(true, MuxConfig.defaults(), echoInbound, events)
                            : new MplexHandler(true, MuxConfig.defaults(), echoInbound, events);
                    ch.pipeline().addLast(mux[0]);
                  }
                })
            .connect(hostPort[0], Integer.parseInt(hostPort[1]))
            .sync()
            .channel();

    // our streams, echoed by Go: many small ones and one larger than several yamux windows
    List<Recorder> recs = new ArrayList<>();
    List<Long> crcs = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      int size = i == 0 ? 3 << 20 : 10_000 + i * 1000;
      byte[] data = new byte[size];
      new Random(i).nextBytes(data);
      CRC32 crc = new CRC32();
      crc.update(data);
      Recorder rec = new Recorder();
      StreamChannel s = mux[0].openStream(rec).get(10, TimeUnit.SECONDS);
      for (int off = 0; off < size; off += 50_000) {
        s.write(Unpooled.wrappedBuffer(data, off, Math.min(50_000, size - off)));
      }
      s.flush();
      s.closeWrite();
      recs.add(rec);
      crcs.add(crc.getValue());
      sizes.add(size);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (int i = 0; i < recs.size(); i++) {
                assertThat(recs.get(i).inputShutdown()).as("EOF on stream %d; events %s", i, events).isTrue();
              }
            });
    for (int i = 0; i < recs.size(); i++) {
      assertThat(recs.get(i).received()).as("bytes echoed on stream %d", i).isEqualTo((long) sizes.get(i));
      assertThat(recs.get(i).crc()).as("content echoed on stream %d", i).isEqualTo(crcs.get(i));
    }

    // Go's streams, echoed by us
    List<String> replies = new ArrayList<>();
    while (replies.size() < 3) {
      String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(line).as("a REPLY line from the Go peer (got %s so far)", replies).isNotNull();
      replies.add(line);
    }
    assertThat(replies)
        .containsExactlyInAnyOrder(
            "REPLY 0 hello from go 0", "REPLY 1 hello from go 1", "REPLY 2 hello from go 2");

    await().atMost(WAIT).until(() -> mux[0].activeStreams() == 0);
    conn.close().sync();
    assertThat(lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("DONE");
    assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(peer.exitValue()).isZero();
    assertThat(events.toString()).doesNotContain("protocolError");
  }
}
