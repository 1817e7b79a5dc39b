package io.topicmesh.node.mux;

import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A MuxListener that counts events by kind and reason, for assertions. */
public final class CountingListener implements MuxListener {
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  private void count(String key) {
    counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  public int get(String kind, Object reason) {
    AtomicInteger n = counts.get(kind + ":" + reason);
    return n == null ? 0 : n.get();
  }

  @Override
  public void streamOpened(Channel connection, boolean inbound) {
    count("opened:" + (inbound ? "in" : "out"));
  }

  @Override
  public void streamClosed(Channel connection, MuxError cause) {
    count("closed:" + cause);
  }

  @Override
  public void streamRefused(Channel connection, MuxError reason) {
    count("refused:" + reason);
  }

  @Override
  public void frameDropped(Channel connection, MuxError reason) {
    count("dropped:" + reason);
  }

  @Override
  public void protocolError(Channel connection, MuxException error) {
    count("protocolError:" + error.error());
  }

  @Override
  public String toString() {
    return counts.toString();
  }
}
