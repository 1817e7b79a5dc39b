package io.topicmesh.node.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.transport.Direction;
import io.topicmesh.node.transport.UpgradeException;
import org.junit.jupiter.api.Test;

/** Issue 9: the host's event counters exist at 0 for every label value before their first event. */
class HostMetricsTest {
  @Test
  void eventCountersStartAtZeroAndCountFromThere() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HostMetrics metrics = new HostMetrics(registry);
    assertThat(registry.find("topicmesh_connections_closed_total").counters())
        .hasSize(Direction.values().length).allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(registry.find("topicmesh_connection_failures_total").counters())
        .hasSize(Direction.values().length * UpgradeException.Reason.values().length)
        .allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(registry.find("topicmesh_stream_errors_total").counters())
        .hasSize(MuxError.values().length).allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(registry.get("topicmesh_stream_errors_total").tag("reason", "frame_too_large").counter().count())
        .isZero();

    metrics.connectionFailed(Direction.values()[0], UpgradeException.Reason.TIMEOUT);
    metrics.connectionOpened(Direction.values()[0]);
    metrics.connectionClosed(Direction.values()[0]);
    assertThat(metrics.failures(UpgradeException.Reason.TIMEOUT)).isEqualTo(1);
    assertThat(metrics.failures(UpgradeException.Reason.CONNECT)).isZero();
    assertThat(registry.find("topicmesh_connection_failures_total").counters())
        .as("no new series on an event").hasSize(Direction.values().length * UpgradeException.Reason.values().length);
    assertThat(registry.get("topicmesh_connections_closed_total").tag("direction", Direction.values()[0].label())
        .counter().count()).isEqualTo(1);
    assertThat(registry.find("topicmesh_connections_closed_total").counters().stream().mapToDouble(Counter::count)
        .sum()).isEqualTo(1);
  }
}
