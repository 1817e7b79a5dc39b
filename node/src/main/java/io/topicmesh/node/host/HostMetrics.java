package io.topicmesh.node.host;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.transport.Direction;
import io.topicmesh.node.transport.UpgradeException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host's metrics, all prefixed {@code topicmesh_}. Labels are bounded enums (direction,
 * failure reason, mux error), never peer ids or addresses. The event counters
 * ({@code connections_closed_total}, {@code connection_failures_total}, {@code stream_errors_total})
 * are registered at 0 for every label value at construction.
 *
 * <ul>
 *   <li>{@code topicmesh_connections_opened_total{direction}}: connections upgraded and kept
 *   <li>{@code topicmesh_connections_closed_total{direction}}: kept connections that closed
 *   <li>{@code topicmesh_connection_failures_total{direction,reason}}: connections that failed or
 *       were refused, by {@link UpgradeException.Reason} label ({@code max-connections} is a refusal,
 *       {@code duplicate} a simultaneous-dial loser)
 *   <li>{@code topicmesh_connections}: connections currently kept
 *   <li>{@code topicmesh_streams_opened_total{direction}}, {@code topicmesh_stream_errors_total{reason}}
 *   <li>{@code topicmesh_identify_total{result}}: identify exchanges, ok or failed
 *   <li>{@code topicmesh_ping_rtt_seconds}: ping round-trip times
 * </ul>
 */
public final class HostMetrics implements MuxListener {
  private final MeterRegistry registry;
  private final AtomicInteger connections = new AtomicInteger();
  private final Timer pingRtt;

  public HostMetrics(MeterRegistry registry) {
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    this.registry.gauge("topicmesh_connections", connections);
    this.pingRtt = Timer.builder("topicmesh_ping_rtt_seconds").description("ping round-trip time")
        .register(this.registry);
    // Event counters with bounded-enum labels exist at 0 from the start: dashboards show 0, not no data.
    for (Direction d : Direction.values()) {
      counter("topicmesh_connections_closed_total", "direction", d.label());
      for (UpgradeException.Reason reason : UpgradeException.Reason.values()) {
        Counter.builder("topicmesh_connection_failures_total").tag("direction", d.label())
            .tag("reason", reason.label()).register(this.registry);
      }
    }
    for (MuxError reason : MuxError.values()) {
      counter("topicmesh_stream_errors_total", "reason", reason.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  void connectionOpened(Direction d) {
    connections.incrementAndGet();
    counter("topicmesh_connections_opened_total", "direction", d.label()).increment();
  }

  void connectionClosed(Direction d) {
    connections.decrementAndGet();
    counter("topicmesh_connections_closed_total", "direction", d.label()).increment();
  }

  void connectionFailed(Direction d, UpgradeException.Reason reason) {
    Counter.builder("topicmesh_connection_failures_total").tag("direction", d.label())
        .tag("reason", reason.label()).register(registry).increment();
  }

  void identify(boolean ok) {
    counter("topicmesh_identify_total", "result", ok ? "ok" : "failed").increment();
  }

  void pingRtt(Duration rtt) {
    pingRtt.record(rtt);
  }

  /** Connections currently kept. */
  public int connections() {
    return connections.get();
  }

  /** Failures counted for {@code reason}, both directions. */
  public long failures(UpgradeException.Reason reason) {
    return (long) registry.find("topicmesh_connection_failures_total").tag("reason", reason.label())
        .counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Identify exchanges counted with the given result. */
  public long identifies(boolean ok) {
    return (long) registry.find("topicmesh_identify_total").tag("result", ok ? "ok" : "failed")
        .counters().stream().mapToDouble(Counter::count).sum();
  }

  @Override
  public void streamOpened(Channel connection, boolean inbound) {
    counter("topicmesh_streams_opened_total", "direction", inbound ? "inbound" : "outbound").increment();
  }

  @Override
  public void streamRefused(Channel connection, MuxError reason) {
    streamError(reason);
  }

  @Override
  public void frameDropped(Channel connection, MuxError reason) {
    streamError(reason);
  }

  @Override
  public void protocolError(Channel connection, MuxException error) {
    streamError(error.error());
  }

  private void streamError(MuxError reason) {
    counter("topicmesh_stream_errors_total", "reason", reason.name().toLowerCase(java.util.Locale.ROOT)).increment();
  }

  private Counter counter(String name, String tag, String value) {
    return Counter.builder(name).tag(tag, value).register(registry);
  }

}
