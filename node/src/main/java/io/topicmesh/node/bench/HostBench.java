package io.topicmesh.node.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.security.noise.NoiseTransportCodec;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multistream.MultistreamHandler;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import io.topicmesh.node.security.noise.NoiseHandshakeHandler;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.ConnectionUpgrader;
import io.topicmesh.node.transport.Direction;
import io.topicmesh.node.transport.InboundProtocols;
import io.topicmesh.node.transport.StreamHandler;
import io.topicmesh.node.transport.TcpTransport;
import io.topicmesh.node.transport.UpgradeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transport benchmark of our stack over loopback, measured the way {@code go-peer bench}
 * (e2e/interop/go-peer/bench.go) measures go-libp2p, and printed side by side with it:
 *
 * <ul>
 *   <li>noise: one noise-secured TCP connection, no muxer, bytes one way in 64 KiB writes, timed
 *       from the first write until the receiver's 1-byte ack arrives;
 *   <li>yamux 1 / N streams: TCP + noise + yamux, the same bytes over 1 and over N concurrent
 *       streams, each writing its share, half-closing, and waiting for a 1-byte ack;
 *   <li>handshakes/s: sequential TCP connect + multistream + noise XX with the muxer negotiated
 *       inside it (as go-libp2p does by default) + yamux, counted when both sides hold the upgraded
 *       connection, then closed. Compared with go's default ({@code handshakesPerSec}); go's figure
 *       with a multistream round for the muxer is printed for reference.
 * </ul>
 *
 * MB is 10^6 bytes. Ours first runs {@code --warmup} unmeasured rounds of the full size (default
 * 1), so that the JIT has compiled the data path before the first measured round (go's code is
 * compiled ahead of time; {@code go-peer bench} still moves 8 MB before it measures). Then each
 * round measures ours and then go's ({@code go-peer bench --rounds 1}); each figure is the median
 * of the rounds, each ratio the median of the rounds' ratios.
 *
 * <pre>
 * java -cp node/target/topicmesh-node.jar io.topicmesh.node.bench.HostBench [--mb 512] [--streams 64]
 *     [--handshakes 300] [--rounds 3] [--warmup 1] [--go-peer ~/.cache/topicmesh/interop/go-peer | --no-go]
 *     [--only handshakes]
 * </pre>
 *
 * {@code --only handshakes} measures the handshake row alone (go's throughput rows then move 1 MB
 * and are not shown; its warm-up is {@code max(50, --handshakes)} handshakes).
 *
 * <pre>
 * </pre>
 */
public final class HostBench {
  private static final int CHUNK = 64 * 1024;
  private static final String SINK = "/topicmesh/bench/sink/1.0.0";
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final TcpTransport transport = TcpTransport.create(0);
  /** CPU seconds of this process per 10^9 bytes in the last noise or yamux run. */
  double lastCpuSecondsPerGb;
  private final SecureRandom random = new SecureRandom();

  public static void main(String[] args) throws Exception {
    int mb = 512;
    int streams = 64;
    int handshakes = 300;
    int rounds = 3;
    int warmup = 1;
    String goPeer = Path.of(System.getProperty("user.home"), ".cache", "topicmesh", "interop", "go-peer").toString();
    boolean onlyHandshakes = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[++i]);
        case "--streams" -> streams = Integer.parseInt(args[++i]);
        case "--handshakes" -> handshakes = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--go-peer" -> goPeer = args[++i];
        case "--no-go" -> goPeer = null;
        case "--only" -> {
          if (!"handshakes".equals(args[++i])) {
            System.err.println("--only takes one value: handshakes");
            System.exit(2);
          }
          onlyHandshakes = true;
        }
        default -> {
          System.err.println("unknown flag " + args[i]
              + " (known: --mb, --streams, --handshakes, --rounds, --warmup, --go-peer <path>, --no-go,"
              + " --only handshakes)");
          System.exit(2);
        }
      }
    }
    long total = mb * 1_000_000L;
    // Per-connection INFO lines would drown the figures (hundreds of handshakes).
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    HostBench bench = new HostBench();
    String[] names = {"noise, 1 connection (MB/s)", "yamux, 1 stream (MB/s)", "yamux, " + streams + " streams (MB/s)",
        "handshakes/s (muxer in noise)"};
    // Round by round, ours then go's (go-peer bench --rounds 1), so that each pair shares the
    // machine's load of that minute; a row's ratio is the median of the rounds' ratios.
    double[][] ours = new double[rounds][];
    // Our process's CPU seconds per GB moved (both ends are in this process, as in go-peer bench):
    // unlike MB/s this hardly depends on how much of the machine other processes take.
    double[][] cpu = new double[rounds][];
    double[][] go = goPeer == null ? null : new double[rounds][];
    try {
      System.err.printf("java: %s, %d cpus, transport %s, noise AEAD %s%n",
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
          bench.transport.kind(), NoiseTransportCodec.aeadImplementation());
      if (!onlyHandshakes) {
        bench.noise(8_000_000);
        bench.yamux(8_000_000, 4);
      }
      bench.handshakes(onlyHandshakes ? Math.max(50, handshakes) : 50);
      // Unmeasured rounds of the full size: 256 MB rounds used to climb 2x from the first to the
      // third round while C2 compiled the data path, so the median was a warm-up figure.
      for (int w = 0; w < warmup && !onlyHandshakes; w++) {
        double[] warm = {
            bench.noise(total), bench.yamux(total, 1), bench.yamux(total, streams), bench.handshakes(handshakes)};
        System.err.printf(Locale.ROOT, "warm-up %d ours: %s (load %s, not counted)%n", w + 1, fmt(warm), load());
      }
      for (int r = 0; r < rounds; r++) {
        ours[r] = new double[4];
        cpu[r] = new double[3];
        if (onlyHandshakes) {
          // --only handshakes: the throughput rows are skipped (NaN) here, and go's run with 1 MB
          java.util.Arrays.fill(ours[r], Double.NaN);
          java.util.Arrays.fill(cpu[r], Double.NaN);
        } else {
          ours[r][0] = bench.noise(total);
          cpu[r][0] = bench.lastCpuSecondsPerGb;
          ours[r][1] = bench.yamux(total, 1);
          cpu[r][1] = bench.lastCpuSecondsPerGb;
          ours[r][2] = bench.yamux(total, streams);
          cpu[r][2] = bench.lastCpuSecondsPerGb;
        }
        ours[r][3] = bench.handshakes(handshakes);
        System.err.printf(Locale.ROOT, "round %d ours: %s (load %s; CPU s/GB:%s)%n", r + 1, fmt(ours[r]), load(),
            fmt(cpu[r]));
        if (go != null) {
          go[r] = runGo(goPeer, onlyHandshakes ? 1 : mb, streams, handshakes, 1);
          System.err.printf(Locale.ROOT, "round %d go:   %s (load %s)%n", r + 1, fmt(go[r]), load());
        }
      }
    } finally {
      bench.transport.close();
    }
    System.out.printf(Locale.ROOT, "%-34s %12s %12s %8s%n", "measure", "topicmesh", "go-libp2p", "ratio");
    for (int i = onlyHandshakes ? names.length - 1 : 0; i < names.length; i++) {
      final int row = i;
      double oursMedian = median(rounds, r -> ours[r][row]);
      if (go == null) {
        System.out.printf(Locale.ROOT, "%-34s %12.1f %12s %8s%n", names[i], oursMedian, "-", "-");
      } else {
        System.out.printf(Locale.ROOT, "%-34s %12.1f %12.1f %8.2f%n", names[i], oursMedian,
            median(rounds, r -> go[r][row]), median(rounds, r -> ours[r][row] / go[r][row]));
      }
    }
    if (go != null) {
      System.out.printf(Locale.ROOT, "%-34s %12s %12.1f %8s%n", "handshakes/s (multistream muxer)", "-",
          median(rounds, r -> go[r][4]), "-");
    }
    if (!onlyHandshakes) {
      System.out.printf(Locale.ROOT,
          "our CPU seconds per GB (medians): noise %.2f, yamux 1 stream %.2f, yamux %d streams %.2f%n",
          median(rounds, r -> cpu[r][0]), median(rounds, r -> cpu[r][1]), streams, median(rounds, r -> cpu[r][2]));
    }
    System.out.printf(Locale.ROOT,
        "(%s%d handshakes per round; medians of %d rounds after %d warm-up round(s)"
            + " of ours, ours and go alternating; ratio = median of the rounds' ratios)%n",
        onlyHandshakes ? "" : mb + " MB per throughput run, ", handshakes, rounds, onlyHandshakes ? 0 : warmup);
  }

  private static String fmt(double[] row) {
    StringBuilder b = new StringBuilder();
    for (double v : row) {
      b.append(String.format(Locale.ROOT, " %8.1f", v));
    }
    return b.toString();
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  interface Round {
    double value(int round);
  }

  static double median(int rounds, Round value) {
    List<Double> results = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      results.add(value.value(i));
    }
    results.sort(Double::compare);
    return results.get(results.size() / 2);
  }

  static double mbps(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  // ---------------------------------------------------------------- noise only

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  double noise(long total) throws Exception {
    long cpu0 = processCpuNanos();
    PrivKey k1 = PrivKey.generate(KeyType.ED25519, random);
    PrivKey k2 = PrivKey.generate(KeyType.ED25519, random);
    PeerId id2 = PeerId.fromPublicKey(k2.publicKey());
    Promise<Void> received = transport.group().next().newPromise();
    Channel server = transport.listen(new InetSocketAddress("127.0.0.1", 0), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(MultistreamHandler.responder(List.of("/noise"), TIMEOUT, (c, p) -> {
          NoiseHandshakeHandler noise = new NoiseHandshakeHandler(k2, false, null, List.of(), TIMEOUT);
          noise.sessionFuture().thenRun(() -> c.pipeline().addLast(new Sink(total, received)));
          c.pipeline().addLast(noise);
        }));
      }
    }).sync().channel();
    Promise<Long> acked = transport.group().next().newPromise();
    Sender sender = new Sender(total, false, acked);
    Channel client = transport.dial((InetSocketAddress) server.localAddress(), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        MultistreamHandler ms = MultistreamHandler.initiator(List.of("/noise"), TIMEOUT, (c, p) -> {
          NoiseHandshakeHandler noise = new NoiseHandshakeHandler(k1, true, id2, List.of(), TIMEOUT);
          noise.sessionFuture().thenRun(() -> c.pipeline().addLast(sender));
          c.pipeline().addLast(noise);
        });
        ch.pipeline().addLast(ms);
      }
    }, Duration.ofSeconds(10)).sync().channel();
    try {
      long nanos = acked.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      lastCpuSecondsPerGb = (processCpuNanos() - cpu0) / 1e9 / (total / 1e9);
      return mbps(total, nanos);
    } finally {
      client.close().sync();
      server.close().sync();
    }
  }

  // ---------------------------------------------------------------- yamux

  private record Pair(Channel server, Connection client, Promise<Connection> serverSide) {
    void close() throws InterruptedException {
      client.close().sync();
      server.close().sync();
    }
  }

  private Pair pair(InboundProtocols serverProtocols) throws Exception {
    PrivKey k1 = PrivKey.generate(KeyType.ED25519, random);
    PrivKey k2 = PrivKey.generate(KeyType.ED25519, random);
    PeerId id2 = PeerId.fromPublicKey(k2.publicKey());
    List<String> muxers = List.of(YamuxHandler.PROTOCOL_ID);
    ConnectionUpgrader serverUp = new ConnectionUpgrader(
        new UpgradeConfig(k2, muxers, MuxConfig.defaults(), TIMEOUT, TIMEOUT), serverProtocols, null);
    ConnectionUpgrader clientUp = new ConnectionUpgrader(
        new UpgradeConfig(k1, muxers, MuxConfig.defaults(), TIMEOUT, TIMEOUT), NONE, null);
    BlockingQueue<Future<Connection>> accepted = new LinkedBlockingQueue<>();
    Channel server = transport.listen(new InetSocketAddress("127.0.0.1", 0), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        accepted.add(serverUp.upgrade(ch, Direction.INBOUND, null));
      }
    }).sync().channel();
    return new PairFactory(server, clientUp, id2, accepted).next();
  }

  /** Dials the same listener again and again (handshake benchmark). */
  private final class PairFactory {
    final Channel server;
    final ConnectionUpgrader clientUp;
    final PeerId serverId;
    final BlockingQueue<Future<Connection>> accepted;

    PairFactory(Channel server, ConnectionUpgrader clientUp, PeerId serverId, BlockingQueue<Future<Connection>> accepted) {
      this.server = server;
      this.clientUp = clientUp;
      this.serverId = serverId;
      this.accepted = accepted;
    }

    Pair next() throws Exception {
      Promise<Connection> client = transport.group().next().newPromise();
      transport.dial((InetSocketAddress) server.localAddress(), new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          clientUp.upgrade(ch, Direction.OUTBOUND, serverId).addListener(f -> {
            if (f.isSuccess()) {
              client.trySuccess((Connection) f.getNow());
            } else {
              client.tryFailure(f.cause());
            }
          });
        }
      }, Duration.ofSeconds(10)).addListener(f -> {
        if (!f.isSuccess()) {
          client.tryFailure(f.cause());
        }
      });
      Connection c = client.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Future<Connection> s = accepted.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (s == null) {
        throw new IllegalStateException("the listener accepted nothing");
      }
      Connection sc = s.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Promise<Connection> done = transport.group().next().newPromise();
      done.setSuccess(sc);
      return new Pair(server, c, done);
    }
  }

  private static final InboundProtocols NONE = new InboundProtocols() {
    @Override
    public Collection<String> protocolIds() {
      return List.of();
    }

    @Override
    public StreamHandler handler(String protocol) {
      return null;
    }
  };

  double yamux(long total, int streams) throws Exception {
    long cpu0 = processCpuNanos();
    InboundProtocols sink = new InboundProtocols() {
      @Override
      public Collection<String> protocolIds() {
        return List.of(SINK);
      }

      @Override
      public StreamHandler handler(String protocol) {
        return (stream, p, conn) -> stream.pipeline().addLast(new Sink(-1, null));
      }
    };
    Pair pair = pair(sink);
    try {
      long per = total / streams;
      List<Promise<Long>> acks = new ArrayList<>();
      List<Sender> senders = new ArrayList<>();
      List<Future<StreamChannel>> opened = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        Promise<Long> ack = transport.group().next().newPromise();
        Sender sender = new Sender(per, true, ack);
        senders.add(sender);
        acks.add(ack);
        opened.add(pair.client().newStream(List.of(SINK), (s, p, c) -> { }));
      }
      for (Future<StreamChannel> f : opened) {
        f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      long start = System.nanoTime();
      for (int i = 0; i < streams; i++) {
        StreamChannel s = opened.get(i).getNow();
        Sender sender = senders.get(i);
        s.eventLoop().execute(() -> s.pipeline().addLast(sender));
      }
      for (Promise<Long> ack : acks) {
        ack.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      long nanos = System.nanoTime() - start;
      lastCpuSecondsPerGb = (processCpuNanos() - cpu0) / 1e9 / (per * streams / 1e9);
      return mbps(per * streams, nanos);
    } finally {
      pair.close();
    }
  }

  // ---------------------------------------------------------------- handshakes

  double handshakes(int n) throws Exception {
    PrivKey k1 = PrivKey.generate(KeyType.ED25519, random);
    PrivKey k2 = PrivKey.generate(KeyType.ED25519, random);
    PeerId id2 = PeerId.fromPublicKey(k2.publicKey());
    List<String> muxers = List.of(YamuxHandler.PROTOCOL_ID);
    ConnectionUpgrader serverUp = new ConnectionUpgrader(
        new UpgradeConfig(k2, muxers, MuxConfig.defaults(), TIMEOUT, TIMEOUT), NONE, null);
    ConnectionUpgrader clientUp = new ConnectionUpgrader(
        new UpgradeConfig(k1, muxers, MuxConfig.defaults(), TIMEOUT, TIMEOUT), NONE, null);
    BlockingQueue<Future<Connection>> accepted = new LinkedBlockingQueue<>();
    Channel server = transport.listen(new InetSocketAddress("127.0.0.1", 0), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        accepted.add(serverUp.upgrade(ch, Direction.INBOUND, null));
      }
    }).sync().channel();
    PairFactory factory = new PairFactory(server, clientUp, id2, accepted);
    try {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Pair p = factory.next();
        p.client().close().sync();
      }
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      server.close().sync();
    }
  }

  // ---------------------------------------------------------------- go

  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":([0-9.eE+-]+)");

  static double[] runGo(String goPeer, int mb, int streams, int handshakes, int rounds) throws Exception {
    if (!Files.isExecutable(Path.of(goPeer))) {
      throw new IllegalStateException("go peer not found at " + goPeer + ": run e2e/interop/build.sh (or pass --no-go)");
    }
    Process p = new ProcessBuilder(goPeer, "bench", "--mb", "" + mb, "--streams", "" + streams,
        "--handshakes", "" + handshakes, "--rounds", "" + rounds).redirectErrorStream(true).start();
    String benchLine = null;
    StringBuilder all = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        all.append(line).append('\n');
        if (line.contains("\"event\":\"bench\"")) {
          benchLine = line;
        }
      }
    }
    if (p.waitFor() != 0 || benchLine == null) {
      throw new IllegalStateException("go-peer bench failed:\n" + all);
    }
    System.err.println("go: " + benchLine);
    java.util.Map<String, Double> f = new java.util.HashMap<>();
    Matcher m = FIELD.matcher(benchLine);
    while (m.find()) {
      f.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return new double[] {f.get("noiseMBps"), f.get("yamux1MBps"), f.get("yamuxNMBps"),
        f.get("handshakesPerSec"), f.get("handshakesPerSecMultistreamMuxer")};
  }

  // ---------------------------------------------------------------- handlers

  /**
   * Writes {@code total} bytes in 64 KiB buffers as fast as the channel stays writable, then
   * (streams) half-closes, and completes {@code acked} with the elapsed nanos when a byte comes back.
   */
  private static final class Sender extends ChannelInboundHandlerAdapter {
    private static final ByteBuf CHUNK_BUF = Unpooled.unreleasableBuffer(
        Unpooled.buffer(CHUNK).writeZero(CHUNK).asReadOnly());
    private final long total;
    private final boolean closeWrite;
    private final Promise<Long> acked;
    private long sent;
    private long start;

    Sender(long total, boolean closeWrite, Promise<Long> acked) {
      this.total = total;
      this.closeWrite = closeWrite;
      this.acked = acked;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      start = System.nanoTime();
      pump(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      pump(ctx);
      ctx.fireChannelWritabilityChanged();
    }

    private void pump(ChannelHandlerContext ctx) {
      boolean wrote = false;
      while (sent < total && ctx.channel().isWritable()) {
        int n = (int) Math.min(CHUNK, total - sent);
        ctx.write(CHUNK_BUF.retainedSlice(0, n));
        sent += n;
        wrote = true;
      }
      if (wrote) {
        ctx.flush();
        if (sent == total && closeWrite) {
          ((StreamChannel) ctx.channel()).closeWrite();
        }
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      acked.trySuccess(System.nanoTime() - start);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      acked.tryFailure(new IllegalStateException("channel closed before the ack"));
    }
  }

  /** Counts and drops bytes; acks with one byte after {@code total} bytes or at the peer's half-close. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    private final long total;
    private final Promise<Void> done;
    private long received;

    Sink(long total, Promise<Void> done) {
      this.total = total;
      this.done = done;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        received += b.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (total >= 0 && received >= total) {
        ack(ctx);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent && total < 0) {
        ack(ctx);
        ((StreamChannel) ctx.channel()).closeWrite();
      }
      ReferenceCountUtil.release(evt);
    }

    private void ack(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
      if (done != null) {
        done.trySuccess(null);
      }
    }
  }

}
