package io.topicmesh.node.transport;

import java.util.Collection;

/** The protocols a host answers on inbound streams, looked up per stream. */
public interface InboundProtocols {
  /** Protocol ids offered to multistream-select, in preference order (a snapshot). */
  Collection<String> protocolIds();

  /** The handler for {@code protocol}, or null if it was removed meanwhile. */
  StreamHandler handler(String protocol);
}
