package io.topicmesh.node.mux;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link MuxListener} that counts muxer events in Micrometer, one instance per muxer kind
 * (label {@code muxer}) shared by all connections. Reasons are {@link MuxError} names, so label
 * cardinality is bounded by the enum.
 *
 * <ul>
 *   <li>{@code topicmesh_mux_streams_opened_total{muxer,direction}}: streams opened, in or out.
 *   <li>{@code topicmesh_mux_streams_closed_total{muxer,reason}}: streams ended; reason {@code
 *       none} for orderly closes, else the {@link MuxError} (reset, connection closed, ...).
 *   <li>{@code topicmesh_mux_streams_refused_total{muxer,reason}}: inbound streams refused.
 *   <li>{@code topicmesh_mux_frames_dropped_total{muxer,reason}}: frames ignored (unknown stream,
 *       stray ping answer, ping not answered while the connection was unwritable).
 *   <li>{@code topicmesh_mux_protocol_errors_total{muxer,reason}}: connections closed because the
 *       peer violated the protocol.
 * </ul>
 */
public final class MuxMetrics implements MuxListener {
  private final MeterRegistry registry;
  private final String muxer;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /** @param muxer label value, e.g. {@code yamux} or {@code mplex} */
  public MuxMetrics(MeterRegistry registry, String muxer) {
    this.registry = registry;
    this.muxer = muxer;
    // the series the dashboards use exist at 0 before the first stream
    counter("topicmesh_mux_streams_opened", "direction", "in");
    counter("topicmesh_mux_streams_opened", "direction", "out");
    counter("topicmesh_mux_streams_closed", "reason", "none");
  }

  /** The muxer label for a muxer protocol id: {@code /yamux/1.0.0} is {@code yamux}. */
  public static String label(String protocolId) {
    String[] parts = protocolId.split("/");
    return parts.length > 1 && !parts[1].isEmpty() ? parts[1] : protocolId;
  }

  private Counter counter(String name, String tag, String value) {
    return counters.computeIfAbsent(name + '|' + value,
        k -> Counter.builder(name).tag("muxer", muxer).tag(tag, value).register(registry));
  }

  private void inc(String name, String tag, String value) {
    counter(name, tag, value).increment();
  }

  @Override
  public void streamOpened(Channel connection, boolean inbound) {
    inc("topicmesh_mux_streams_opened", "direction", inbound ? "in" : "out");
  }

  @Override
  public void streamClosed(Channel connection, MuxError cause) {
    inc("topicmesh_mux_streams_closed", "reason", cause == null ? "none" : cause.name());
  }

  @Override
  public void streamRefused(Channel connection, MuxError reason) {
    inc("topicmesh_mux_streams_refused", "reason", reason.name());
  }

  @Override
  public void frameDropped(Channel connection, MuxError reason) {
    inc("topicmesh_mux_frames_dropped", "reason", reason.name());
  }

  @Override
  public void protocolError(Channel connection, MuxException error) {
    inc("topicmesh_mux_protocol_errors", "reason", error.error().name());
  }
}
