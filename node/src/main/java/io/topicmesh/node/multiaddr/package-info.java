/**
 * Multiaddrs (https://github.com/multiformats/multiaddr) for the protocols a TCP libp2p node
 * needs: ip4, ip6, dns, dns4, dns6, tcp and p2p. Text and binary forms are parsed strictly and
 * within fixed bounds; errors are {@link io.topicmesh.node.multiaddr.InvalidMultiaddrException}s
 * that say what was wrong and where. Addresses using other protocols (udp, quic-v1, ws, ...), as
 * go and js peers advertise in identify, are rejected; callers skip them one by one.
 */
package io.topicmesh.node.multiaddr;
