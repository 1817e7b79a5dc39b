package io.topicmesh.node.transport;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The addresses a listener can be reached at. A socket bound to the unspecified address ({@code
 * 0.0.0.0} or {@code ::}) is reported as one address per local interface address (loopback first),
 * since {@code /ip4/0.0.0.0} means nothing to a peer. For {@code 0.0.0.0} that is the IPv4
 * addresses. For {@code ::} it is both families, IPv4 first: the JDK's sockets are IPv6 sockets
 * that accept IPv4 too, and they report a {@code /ip4/0.0.0.0} bind as {@code ::}, so in a pod with
 * an IPv4 address only, IPv6 alone would leave {@code /ip6/::1}, which no other pod can dial.
 */
public final class ListenAddresses {
  /** Most addresses reported for one unspecified bind; identify must stay small. */
  public static final int MAX_EXPANDED = 16;

  private ListenAddresses() {}

  public static List<Multiaddr> of(InetSocketAddress bound) {
    InetAddress ip = bound.getAddress();
    if (ip == null || !ip.isAnyLocalAddress()) {
      return List.of(Multiaddr.fromTcp(bound));
    }
    boolean v4Only = ip instanceof Inet4Address;
    List<InetAddress> loopback = new ArrayList<>();
    List<InetAddress> others = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          boolean family = a instanceof Inet4Address || (!v4Only && a instanceof Inet6Address);
          if (!family || a.isLinkLocalAddress()) {
            continue;
          }
          (a.isLoopbackAddress() ? loopback : others).add(a);
        }
      }
    } catch (SocketException e) {
      return List.of(Multiaddr.fromTcp(bound));
    }
    List<Multiaddr> out = new ArrayList<>();
    for (InetAddress a : ipv4First(concat(loopback, others))) {
      if (out.size() == MAX_EXPANDED) {
        break;
      }
      out.add(Multiaddr.fromTcp(new InetSocketAddress(a, bound.getPort())));
    }
    return out.isEmpty() ? List.of(Multiaddr.fromTcp(bound)) : out;
  }

  private static List<InetAddress> ipv4First(List<InetAddress> addrs) {
    List<InetAddress> out = new ArrayList<>();
    addrs.stream().filter(a -> a instanceof Inet4Address).forEach(out::add);
    addrs.stream().filter(a -> !(a instanceof Inet4Address)).forEach(out::add);
    return out;
  }

  private static List<InetAddress> concat(List<InetAddress> a, List<InetAddress> b) {
    List<InetAddress> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
