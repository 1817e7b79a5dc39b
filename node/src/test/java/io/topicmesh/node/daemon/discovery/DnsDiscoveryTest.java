package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DnsDiscoveryTest {
  private final TestDnsServer dns;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  DnsDiscoveryTest() throws Exception {
    dns = new TestDnsServer();
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    dns.close();
  }

  @Test
  void aAndAaaaRecordsOfAHeadlessServiceBecomeTcpAddressesWithThePort() throws Exception {
    dns.setAddresses("nodes.tm.svc", List.of(InetAddress.getByName("127.0.4.1"), InetAddress.getByName("127.0.4.2"),
        InetAddress.getByName("::1")));
    DnsDiscovery d = new DnsDiscovery("nodes.tm.svc", false, 4001, dns.address(), 60_000, scheduler);
    assertThat(d.resolve()).containsExactlyInAnyOrder(Multiaddr.parse("/ip4/127.0.4.1/tcp/4001"),
        Multiaddr.parse("/ip4/127.0.4.2/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/4001"));
  }

  @Test
  void srvRecordsGiveEachTargetsAddressesWithTheRecordsPort() throws Exception {
    dns.addSrv("_p2p._tcp.nodes.tm.svc", 4101, "pod-0.nodes.tm.svc");
    dns.addSrv("_p2p._tcp.nodes.tm.svc", 4102, "pod-1.nodes.tm.svc");
    dns.setAddresses("pod-0.nodes.tm.svc", List.of(InetAddress.getByName("127.0.4.10")));
    dns.setAddresses("pod-1.nodes.tm.svc", List.of(InetAddress.getByName("127.0.4.11")));
    DnsDiscovery d = new DnsDiscovery("_p2p._tcp.nodes.tm.svc", true, 4001, dns.address(), 60_000, scheduler);
    assertThat(d.resolve()).containsExactlyInAnyOrder(Multiaddr.parse("/ip4/127.0.4.10/tcp/4101"),
        Multiaddr.parse("/ip4/127.0.4.11/tcp/4102"));
  }

  @Test
  void anUnknownNameHasNoPeersAndPollingReportsChanges() throws Exception {
    AtomicReference<Set<Multiaddr>> seen = new AtomicReference<>();
    DnsDiscovery d = new DnsDiscovery("later.tm.svc", false, 4001, dns.address(), 100, scheduler);
    d.start(seen::set);
    await().atMost(Duration.ofSeconds(10)).until(() -> dns.queries() >= 2 && seen.get() != null);
    assertThat(seen.get()).as("an unknown name (NXDOMAIN) has no peers").isEmpty();
    // the Service gets its first pod: the next poll reports it
    dns.setAddresses("later.tm.svc", List.of(InetAddress.getByName("127.0.4.20")));
    await().atMost(Duration.ofSeconds(10)).until(() -> !seen.get().isEmpty());
    assertThat(seen.get()).containsExactly(Multiaddr.parse("/ip4/127.0.4.20/tcp/4001"));
    // and loses it again
    dns.setAddresses("later.tm.svc", List.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.get().isEmpty());
    d.close();
  }
}
