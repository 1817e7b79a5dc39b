package io.topicmesh.node.pubsub.net;

import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.HostConfig;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A complete pubsub node in this process: a {@link Host} listening on one TCP address, a {@link
 * GossipRouter} on wall-clock time with its own heartbeat, validation and delivery threads, and
 * the {@link PubsubNetwork} binding them. For local clusters, interop tests and benchmarks.
 */
public final class LocalPubsubNode implements AutoCloseable {
  /** Bound on messages waiting for the validation thread. */
  static final int MAX_VALIDATION_QUEUE = 10_000;
  /** Bound on messages waiting for the subscriber callbacks. */
  static final int MAX_DELIVERY_QUEUE = 10_000;

  private final Host host;
  private final GossipRouter router;
  private final PubsubNetwork network;
  private final HostPeerDialer dialer;
  private final ScheduledExecutorService timers;
  private final ExecutorService validation;
  private final ExecutorService delivery;

  private LocalPubsubNode(Host host, GossipRouter router, PubsubNetwork network, HostPeerDialer dialer,
      ScheduledExecutorService timers, ExecutorService validation, ExecutorService delivery) {
    this.host = host;
    this.router = router;
    this.network = network;
    this.dialer = dialer;
    this.timers = timers;
    this.validation = validation;
    this.delivery = delivery;
  }

  /**
   * Starts a node listening on {@code listen} (e.g. {@code /ip4/127.0.0.3/tcp/0}).
   *
   * @param customise adjusts the router builder (params, PX, observers…) before it is built
   */
  public static LocalPubsubNode start(PrivKey key, Multiaddr listen, int ioThreads, GossipParams params,
      PubsubNetwork.Options options, Consumer<GossipRouter.Builder> customise) {
    return start(key, listen, ioThreads, params, options, customise, h -> { });
  }

  /**
   * As {@link #start(PrivKey, Multiaddr, int, GossipParams, PubsubNetwork.Options, Consumer)};
   * {@code beforeAttach} sees the host before the pubsub binding does (e.g. to add a connection
   * listener that runs ahead of it).
   */
  public static LocalPubsubNode start(PrivKey key, Multiaddr listen, int ioThreads, GossipParams params,
      PubsubNetwork.Options options, Consumer<GossipRouter.Builder> customise, Consumer<Host> beforeAttach) {
    Host host = Host.create(HostConfig.defaults(key).withListen(List.of(listen)).withIoThreads(ioThreads));
    beforeAttach.accept(host);
    host.start();
    String name = host.peerId().toBase58();
    String tag = name.substring(name.length() - 6);
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
        r -> daemon(r, "pubsub-heartbeat-" + tag));
    // Bounded, and refusing when full: a validator never runs on the caller (a netty event loop).
    ExecutorService validation = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_VALIDATION_QUEUE), r -> daemon(r, "pubsub-validate-" + tag),
        new ThreadPoolExecutor.AbortPolicy());
    // Bounded too: when subscribers fall this far behind, the router drops deliveries (counted).
    ExecutorService delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_DELIVERY_QUEUE), r -> daemon(r, "pubsub-deliver-" + tag),
        new ThreadPoolExecutor.AbortPolicy());
    HostPeerDialer dialer = new HostPeerDialer(host);
    GossipRouter.Builder b = GossipRouter.builder(host.peerId())
        .privateKey(key)
        .params(params)
        .limits(options.limits())
        .scheduler(new ExecutorRouterScheduler(timers))
        .inboxDrainExecutor(timers)
        .random(new SplittableRandom())
        .validationExecutor(validation)
        // .verifyOnReceivingThread(true): off until an A/B shows it does not cost latency under external load (docs/benchmarks.md, session 8)
        .deliveryExecutor(delivery)
        .dialer(dialer);
    customise.accept(b);
    GossipRouter router = b.build();
    PubsubNetwork network = PubsubNetwork.attach(host, router, options);
    router.start();
    return new LocalPubsubNode(host, router, network, dialer, timers, validation, delivery);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public Host host() {
    return host;
  }

  public GossipRouter router() {
    return router;
  }

  public PubsubNetwork network() {
    return network;
  }

  public HostPeerDialer dialer() {
    return dialer;
  }

  /** The listen address with {@code /p2p/<id>}. */
  public Multiaddr address() {
    return host.listenAddresses().get(0);
  }

  /** PRUNEs the meshes, then closes the network, the host and the threads. */
  @Override
  public void close() {
    router.close();
    network.close();
    host.close();
    timers.shutdownNow();
    validation.shutdownNow();
    delivery.shutdownNow();
    try {
      timers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
