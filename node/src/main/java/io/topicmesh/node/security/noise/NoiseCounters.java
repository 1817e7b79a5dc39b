package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Plain counters of Noise outcomes by reason; a {@link NoiseMetrics} that a metrics layer reads. */
public final class NoiseCounters implements NoiseMetrics {
  private final LongAdder succeeded = new LongAdder();
  private final Map<Reason, LongAdder> handshakeFailures = new EnumMap<>(Reason.class);
  private final Map<Reason, LongAdder> transportFailures = new EnumMap<>(Reason.class);

  public NoiseCounters() {
    for (Reason r : Reason.values()) {
      handshakeFailures.put(r, new LongAdder());
      transportFailures.put(r, new LongAdder());
    }
  }

  @Override
  public void handshakeSucceeded(boolean initiator) {
    succeeded.increment();
  }

  @Override
  public void handshakeFailed(boolean initiator, Reason reason) {
    handshakeFailures.get(reason).increment();
  }

  @Override
  public void transportFailed(Reason reason) {
    transportFailures.get(reason).increment();
  }

  public long handshakesSucceeded() {
    return succeeded.sum();
  }

  public long handshakesFailed(Reason reason) {
    return handshakeFailures.get(reason).sum();
  }

  public long transportFailures(Reason reason) {
    return transportFailures.get(reason).sum();
  }
}
