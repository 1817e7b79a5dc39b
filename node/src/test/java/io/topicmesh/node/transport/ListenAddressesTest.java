package io.topicmesh.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenAddressesTest {
  @Test
  void aSpecificAddressIsReportedAsIs() {
    assertThat(ListenAddresses.of(new InetSocketAddress("127.0.0.2", 4001)))
        .containsExactly(Multiaddr.parse("/ip4/127.0.0.2/tcp/4001"));
  }

  @Test
  void theUnspecifiedAddressBecomesInterfaceAddressesLoopbackFirst() {
    List<Multiaddr> addrs = ListenAddresses.of(new InetSocketAddress("0.0.0.0", 4001));
    assertThat(addrs).isNotEmpty().hasSizeLessThanOrEqualTo(ListenAddresses.MAX_EXPANDED);
    assertThat(addrs.get(0)).isEqualTo(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
    assertThat(addrs).allSatisfy(a -> {
      assertThat(a.toString()).startsWith("/ip4/").endsWith("/tcp/4001").doesNotContain("0.0.0.0");
    });
  }

  @Test
  void theIpv6UnspecifiedAddressReportsBothFamiliesIpv4First() {
    // How the JDK reports a /ip4/0.0.0.0 bind; the socket accepts IPv4, so IPv4 must be announced.
    List<Multiaddr> addrs = ListenAddresses.of(new InetSocketAddress("::", 4001));
    assertThat(addrs).isNotEmpty().hasSizeLessThanOrEqualTo(ListenAddresses.MAX_EXPANDED);
    assertThat(addrs.get(0)).isEqualTo(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
    assertThat(addrs).noneSatisfy(a -> assertThat(a.toString()).contains("/ip6/::/"));
    int firstV6 = addrs.indexOf(addrs.stream().filter(a -> a.toString().startsWith("/ip6/")).findFirst()
        .orElse(null));
    if (firstV6 >= 0) {
      assertThat(addrs.subList(firstV6, addrs.size())).allSatisfy(a -> assertThat(a.toString()).startsWith("/ip6/"));
    }
  }
}
