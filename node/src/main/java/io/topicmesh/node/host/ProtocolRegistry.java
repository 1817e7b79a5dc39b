package io.topicmesh.node.host;

import io.topicmesh.node.transport.InboundProtocols;
import io.topicmesh.node.transport.StreamHandler;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Protocol handlers by protocol id, in registration order (the order {@code ls} lists them and
 * identify reports them). Thread-safe; reads are lock-free.
 */
final class ProtocolRegistry implements InboundProtocols {
  /** Most protocols one host registers; multistream's {@code ls} and identify must stay small. */
  static final int MAX_PROTOCOLS = 64;

  private final Map<String, StreamHandler> handlers = new ConcurrentHashMap<>();
  private final List<String> order = new CopyOnWriteArrayList<>();

  synchronized void register(String protocolId, StreamHandler handler) {
    if (protocolId == null || !protocolId.startsWith("/") || protocolId.length() > 512) {
      throw new IllegalArgumentException("protocol id must start with '/' and be at most 512 chars: " + protocolId);
    }
    if (!handlers.containsKey(protocolId) && handlers.size() >= MAX_PROTOCOLS) {
      throw new IllegalStateException("more than " + MAX_PROTOCOLS + " protocols registered");
    }
    if (handlers.put(protocolId, handler) == null) {
      order.add(protocolId);
    }
  }

  synchronized void unregister(String protocolId) {
    if (handlers.remove(protocolId) != null) {
      order.remove(protocolId);
    }
  }

  @Override
  public Collection<String> protocolIds() {
    return List.copyOf(order);
  }

  @Override
  public StreamHandler handler(String protocol) {
    return handlers.get(protocol);
  }
}
