package io.topicmesh.node.pubsub.net;

import com.google.protobuf.ByteString;
import io.netty.util.concurrent.Future;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.PeerInfo;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.PeerDialer;
import io.topicmesh.node.transport.Connection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dials peers the router asks for (PX on PRUNE, direct peers to reconnect) through the {@link
 * Host}. Addresses come from, in order: the PX signed peer record (verified), addresses given with
 * {@link #addAddresses} (e.g. configured direct peers), and what identify told the host. The
 * addresses of one peer are tried one after another until a dial succeeds. Never blocks.
 *
 * <p>Pass it to the router builder: {@code GossipRouter.builder(id).dialer(new HostPeerDialer(host))}.
 */
public final class HostPeerDialer implements PeerDialer {
  private static final Logger log = LoggerFactory.getLogger(HostPeerDialer.class);

  /** Bound on peers with remembered addresses. */
  public static final int MAX_KNOWN_PEERS = 4096;

  /** Bound on addresses tried for one dial. */
  public static final int MAX_ADDRESSES_PER_DIAL = 8;

  /** Bound on dials in flight. */
  public static final int MAX_IN_FLIGHT = 64;

  private final Host host;
  private final Map<PeerId, List<Multiaddr>> known = new LinkedHashMap<>();
  private final Set<PeerId> inFlight = ConcurrentHashMap.newKeySet();

  public HostPeerDialer(Host host) {
    this.host = host;
  }

  /** Remembers addresses of a peer (without or with its {@code /p2p} part). */
  public void addAddresses(PeerId peer, List<Multiaddr> addrs) {
    synchronized (known) {
      known.remove(peer);
      known.put(peer, List.copyOf(addrs));
      Iterator<PeerId> it = known.keySet().iterator();
      while (known.size() > MAX_KNOWN_PEERS && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
  }

  @Override
  public void dial(PeerId peer, ByteString signedPeerRecord) {
    if (peer.equals(host.peerId()) || host.connection(peer).isPresent()) {
      return;
    }
    List<Multiaddr> addrs = addresses(peer, signedPeerRecord);
    if (addrs.isEmpty()) {
      log.debug("pubsub dial skipped peer={}: no known address", peer);
      return;
    }
    if (inFlight.size() >= MAX_IN_FLIGHT || !inFlight.add(peer)) {
      return;
    }
    tryNext(peer, addrs, 0);
  }

  private void tryNext(PeerId peer, List<Multiaddr> addrs, int index) {
    if (index >= addrs.size()) {
      inFlight.remove(peer);
      log.info("pubsub dial failed peer={}: none of {} addresses answered", peer, addrs.size());
      return;
    }
    Future<Connection> f = host.dial(addrs.get(index).withoutPeerId().withPeerId(peer));
    f.addListener(done -> {
      if (done.isSuccess()) {
        inFlight.remove(peer);
        log.debug("pubsub dial succeeded peer={} addr={}", peer, addrs.get(index));
      } else {
        tryNext(peer, addrs, index + 1);
      }
    });
  }

  List<Multiaddr> addresses(PeerId peer, ByteString signedPeerRecord) {
    Set<Multiaddr> out = new LinkedHashSet<>();
    if (signedPeerRecord != null && !signedPeerRecord.isEmpty()) {
      try {
        SignedPeerRecord r = SignedPeerRecord.parse(signedPeerRecord.toByteArray());
        if (r.peer().equals(peer)) {
          out.addAll(r.addresses());
        } else {
          log.debug("PX record for peer={} is signed by {}: ignored", peer, r.peer());
        }
      } catch (SignedPeerRecord.InvalidRecordException e) {
        log.debug("PX record for peer={} refused: {}", peer, e.getMessage());
      }
    }
    synchronized (known) {
      out.addAll(known.getOrDefault(peer, List.of()));
    }
    host.peerStore().get(peer).map(PeerInfo::listenAddrs).ifPresent(out::addAll);
    List<Multiaddr> tcp = new ArrayList<>();
    for (Multiaddr a : out) {
      if (tcp.size() < MAX_ADDRESSES_PER_DIAL && a.toTcpSocketAddress().isPresent()) {
        tcp.add(a);
      }
    }
    return tcp;
  }
}
