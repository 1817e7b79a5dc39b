package io.topicmesh.node.pubsub.lock;

import java.util.HashMap;
import java.util.Map;

/**
 * Lets at most one warning per key through per interval and counts the ones held back, so a
 * saturated router logs a line every few seconds per holder instead of hundreds per second. At most
 * {@link #MAX_KEYS} keys are tracked; further keys share one overflow bucket.
 */
public final class WarnLimiter {
  static final int MAX_KEYS = 256;
  static final String OVERFLOW_KEY = "(other holders)";
  public static final long SUPPRESSED = -1;

  private final long intervalNanos;
  // key -> {time of the last line, warnings suppressed since}
  private final Map<String, long[]> state = new HashMap<>();

  public WarnLimiter(long intervalNanos) {
    this.intervalNanos = intervalNanos;
  }

  /**
   * Returns {@link #SUPPRESSED} if the warning for {@code key} at {@code now} must not be logged,
   * otherwise how many were suppressed for that key since its previous line.
   */
  public synchronized long admit(String key, long now) {
    String k = key == null ? "null" : key;
    long[] s = state.get(k);
    if (s == null) {
      if (state.size() >= MAX_KEYS) {
        k = OVERFLOW_KEY;
        s = state.get(k);
      }
      if (s == null) {
        state.put(k, new long[] {now, 0});
        return 0;
      }
    }
    if (now - s[0] < intervalNanos) {
      s[1]++;
      return SUPPRESSED;
    }
    long suppressed = s[1];
    s[0] = now;
    s[1] = 0;
    return suppressed;
  }
}
