package io.topicmesh.node.daemon.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two probe services wired back to back, on a manual clock (the tasks are run by hand). */
class ProbeServiceTest {
  private final AtomicLong mono = new AtomicLong(1_000_000_000L);
  private final ScheduledExecutorService unused = Executors.newSingleThreadScheduledExecutor();
  private final List<byte[]> wire = new ArrayList<>();

  @AfterEach
  void stop() {
    unused.shutdownNow();
  }

  private ProbeService service(String self, SimpleMeterRegistry registry, long wallOffset) {
    return new ProbeService(ProbeService.topicFor("c1"), self, Duration.ofSeconds(1), 42, body -> {
      wire.add(body);
      return CompletableFuture.completedFuture(null);
    }, unused, registry, mono::get, () -> mono.get() + wallOffset);
  }

  @Test
  void publishesMeasuresAndExportsMetricsAndStatus() {
    SimpleMeterRegistry ra = new SimpleMeterRegistry();
    SimpleMeterRegistry rb = new SimpleMeterRegistry();
    ProbeService a = service("A", ra, 0);
    ProbeService b = service("B", rb, 0);
    for (int i = 0; i < 10; i++) {
      a.publishOne();
      byte[] body = wire.remove(0);
      mono.addAndGet(5_000_000L); // 5 ms on the wire
      b.onMessage(body, false);
      a.onMessage(body, true); // our own copy: ignored
      mono.addAndGet(995_000_000L);
      b.tick();
    }
    Map<String, Object> st = b.status();
    assertThat(st.get("topic")).isEqualTo("_topicmesh/probe/c1");
    assertThat(st.get("publishers")).isEqualTo(1);
    assertThat(st.get("deliveryRatio")).isEqualTo(1.0);
    assertThat((Double) st.get("latencyP99Ms")).isEqualTo(5.0);
    assertThat(a.status().get("publishers")).isEqualTo(0);
    assertThat(a.status().get("published")).isEqualTo(10L);
    assertThat(rb.get("topicmesh_probe_expected_total").functionCounter().count()).isBetween(7.0, 8.0);
    assertThat(rb.get("topicmesh_probe_received_total").functionCounter().count())
        .isEqualTo(rb.get("topicmesh_probe_expected_total").functionCounter().count());
    assertThat(rb.get("topicmesh_probe_latency_seconds").timer().count()).as("after the 2 s warm-up").isEqualTo(8);
    assertThat(rb.get("topicmesh_probe_delivery_ratio").gauge().value()).isEqualTo(1.0);
    assertThat(ra.get("topicmesh_probe_published_total").functionCounter().count()).isEqualTo(10);
  }

  @Test
  void malformedBodiesOnTheProbeTopicAreCountedAndIgnored() {
    ProbeService b = service("B", new SimpleMeterRegistry(), 0);
    b.onMessage("hello".getBytes(), false);
    b.onMessage(new byte[ProbePayload.MAX_BYTES + 1], false);
    @SuppressWarnings("unchecked")
    Map<String, Object> totals = (Map<String, Object>) b.status().get("totals");
    assertThat(totals.get("malformed")).isEqualTo(2L);
    assertThat(b.status().get("publishers")).isEqualTo(0);
  }

  @Test
  void skewIsVisibleInTheStatus() {
    SimpleMeterRegistry rb = new SimpleMeterRegistry();
    ProbeService a = service("A", new SimpleMeterRegistry(), 500_000_000L); // A's clock 500 ms ahead
    ProbeService b = service("B", rb, 0);
    a.publishOne();
    b.onMessage(wire.remove(0), false);
    @SuppressWarnings("unchecked")
    Map<String, Object> skew = (Map<String, Object>) b.status().get("clockSkew");
    assertThat(skew.get("probes")).isEqualTo(1L);
    assertThat(skew.get("publishers")).isEqualTo(1);
    assertThat((Double) skew.get("lastOffsetMs")).isEqualTo(-500.0);
    assertThat(b.status().get("latencyP99Ms")).isNull();
    assertThat(rb.get("topicmesh_probe_clock_skew_total").functionCounter().count()).isEqualTo(1);
  }

  @Test
  void payloadRoundTripsAndRejectsForeignBodies() {
    ProbePayload p = new ProbePayload("12D3KooWabc", -5, 17, 123_456_789L, 5000, true);
    assertThat(ProbePayload.decode(p.encode())).contains(p);
    byte[] broken = p.encode();
    broken[0] ^= 1;
    assertThat(ProbePayload.decode(broken)).isEmpty();
    byte[] truncated = java.util.Arrays.copyOf(p.encode(), p.encode().length - 1);
    assertThat(ProbePayload.decode(truncated)).isEmpty();
    assertThat(ProbeService.reserved("_topicmesh/probe")).isTrue();
    assertThat(ProbeService.reserved("events")).isFalse();
    assertThat(ProbeService.topicFor(null)).isEqualTo("_topicmesh/probe");
  }
}
