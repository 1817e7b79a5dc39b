package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.HostConfig;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.transport.UpgradeException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The redialer against real hosts on loopback. */
class RedialerIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    scheduler.shutdownNow();
    assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private Host host(String ip) {
    HostConfig config = HostConfig.defaults(PrivKey.generate(KeyType.ED25519, new SecureRandom()))
        .withListen(List.of(Multiaddr.parse("/ip4/" + ip + "/tcp/0"))).withIoThreads(1)
        // young connections too: only the redialer may avoid the duplicate here
        .withSettledConnectionAge(Duration.ofHours(1));
    Host h = Host.create(config);
    closeables.add(h);
    h.start();
    return h;
  }

  private Redialer redialer(Host h) {
    Redialer r = new Redialer(h, Duration.ofMillis(100), Duration.ofSeconds(1), new Random(1),
        System::currentTimeMillis, scheduler,
        h.listenAddresses().stream().map(Multiaddr::withoutPeerId).collect(Collectors.toSet()));
    closeables.add(r);
    return r;
  }

  @Test
  void anAddressAnnouncedByAPeerAlreadyConnectedFromItsIpIsNotDialedAgain() throws Exception {
    Host a = host("127.0.0.1");
    Host b = host("127.0.0.1");
    Multiaddr bAddr = b.listenAddresses().get(0).withoutPeerId();
    // B dials A first; identify tells A that B listens at bAddr.
    b.dial(a.listenAddresses().get(0)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> a.peerStore().get(b.peerId())
        .map(i -> i.listenAddrs().stream().anyMatch(x -> x.withoutPeerId().equals(bAddr))).orElse(false));

    // Then discovery hands A the same address without a peer id.
    Redialer r = redialer(a);
    r.update("test", Set.of(bAddr));
    r.start();
    await().atMost(WAIT).until(() -> r.describe().get(bAddr).startsWith(b.peerId().toString()));
    // A few ticks later still: no second connection was made.
    r.tick();
    r.tick();
    assertThat(a.metrics().failures(UpgradeException.Reason.DUPLICATE)).isZero();
    assertThat(b.metrics().failures(UpgradeException.Reason.DUPLICATE)).isZero();
    assertThat(a.connections()).hasSize(1);
    assertThat(a.connection(b.peerId()).orElseThrow().isInitiator()).isFalse();
  }

  @Test
  void anAddressAnnouncedFromAnotherIpIsStillDialed() throws Exception {
    // B connects from 127.0.0.1 but a third host listens at 127.0.0.3; A must dial 127.0.0.3 even
    // if B claimed it, since the claim does not come from that IP.
    Host a = host("127.0.0.1");
    Host c = host("127.0.0.3");
    Multiaddr cAddr = c.listenAddresses().get(0).withoutPeerId();
    Redialer r = redialer(a);
    r.update("test", Set.of(cAddr));
    r.start();
    await().atMost(WAIT).until(() -> a.connection(c.peerId()).isPresent());
    assertThat(a.connection(c.peerId()).orElseThrow().isInitiator()).isTrue();
  }
}
