package io.topicmesh.node.transport;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.util.OptionalInt;

/** Multiaddr to socket address for the TCP transport. */
public final class TcpAddresses {
  private TcpAddresses() {}

  /**
   * The socket address of {@code /ip4|ip6/<ip>/tcp/<port>} or {@code /dns|dns4|dns6/<name>/tcp/<port>}
   * (optionally ending in {@code /p2p/<id>}); a DNS name is left unresolved for the dialer to
   * resolve.
   *
   * @throws IllegalArgumentException for any other shape
   */
  public static InetSocketAddress toSocketAddress(Multiaddr addr) {
    var ip = addr.toTcpSocketAddress();
    if (ip.isPresent()) {
      return ip.get();
    }
    var dns = addr.dnsHost();
    OptionalInt port = addr.tcpPort();
    if (dns.isPresent() && port.isPresent() && addr.components().size() <= 3) {
      return InetSocketAddress.createUnresolved(dns.get(), port.getAsInt());
    }
    throw new IllegalArgumentException("not a TCP address (expected /ip4|ip6|dns/<host>/tcp/<port>[/p2p/<id>]): " + addr);
  }
}
