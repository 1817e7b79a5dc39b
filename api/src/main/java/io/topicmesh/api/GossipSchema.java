package io.topicmesh.api;

import java.time.Duration;
import java.util.List;

/**
 * The gossipsub parameters the operator and the node share: their names, defaults, bounds and
 * invariants, written once. The names are the members of the node's {@code /v1/params} and
 * config-file {@code params:}, of a topic's {@code mesh} ({@code PUT /v1/topics/{t}}, {@code
 * topics[].mesh}), and the fields of the TopicCluster's {@code spec.gossipsub} and {@code
 * spec.topics[].mesh}. The node has more members (its own tuning knobs); the operator never sends
 * those, and the node checks them itself.
 *
 * <p>Invariants ({@link #checkDegrees}), as the gossipsub v1.0/v1.1 specs state them: Dlo ≤ D ≤ Dhi,
 * Dout &lt; Dlo, Dout ≤ D/2, Dscore ≤ Dhi, all ≥ 0, and Dlo ≥ 1 except for a bootstrapper. A
 * bootstrapper (v1.1, "Recommendations for Network Operators") runs with D = Dlo = Dhi = Dout = 0:
 * it keeps no mesh, and answers GRAFTs with PRUNE and peer exchange. Both node and operator accept
 * it; a TopicCluster of bootstrappers is a peer-exchange service (it cannot be auto-tuned: its
 * tuning bounds start at 2).
 *
 * <p>Bounds: the {@code MIN_}/{@code MAX_} constants are what a TopicCluster may set (its CRD
 * schema). They lie inside what the node accepts ({@link #checkShared}; a test checks that), which
 * is wider only where an in-process node needs it (a 5 ms heartbeat in a stress test).
 */
public final class GossipSchema {
  private GossipSchema() {}

  // ---- member names (wire, config file and CRD) ----
  public static final String D = "d";
  public static final String DLO = "dlo";
  public static final String DHI = "dhi";
  public static final String DLAZY = "dlazy";
  public static final String DOUT = "dout";
  public static final String DSCORE = "dscore";
  public static final String HEARTBEAT_INTERVAL_MS = "heartbeatIntervalMs";
  public static final String HISTORY_LENGTH = "historyLength";
  public static final String HISTORY_GOSSIP = "historyGossip";
  public static final String FANOUT_TTL_MS = "fanoutTtlMs";
  public static final String SEEN_TTL_MS = "seenTtlMs";
  public static final String FLOOD_PUBLISH = "floodPublish";
  public static final String IDONTWANT_THRESHOLD = "idontwantThreshold";

  /** Every shared member, in the order the operator writes them. */
  public static final List<String> MEMBERS = List.of(D, DLO, DHI, DLAZY, DOUT, DSCORE, HEARTBEAT_INTERVAL_MS,
      HISTORY_LENGTH, HISTORY_GOSSIP, FANOUT_TTL_MS, SEEN_TTL_MS, FLOOD_PUBLISH, IDONTWANT_THRESHOLD);

  /** The degree family: what a topic may set for itself (its {@code mesh}). */
  public static final List<String> MESH_MEMBERS = List.of(D, DLO, DHI, DSCORE, DOUT, DLAZY);

  // ---- defaults: the specs' recommended values, as go-libp2p-pubsub ships them ----
  /** D (spec v1.0). */
  public static final int DEFAULT_D = 6;
  /** Dlo (spec v1.0). */
  public static final int DEFAULT_DLO = 5;
  /** Dhi (spec v1.0). */
  public static final int DEFAULT_DHI = 12;
  /** Dlazy (spec v1.0). */
  public static final int DEFAULT_DLAZY = 6;
  /** Dout (spec v1.1). */
  public static final int DEFAULT_DOUT = 2;
  /** Dscore (spec v1.1). */
  public static final int DEFAULT_DSCORE = 4;
  /** Heartbeat period (spec v1.0: 1 s). */
  public static final int DEFAULT_HEARTBEAT_INTERVAL_MS = 1000;
  /** Heartbeats of messages kept for IWANT (spec v1.0). */
  public static final int DEFAULT_HISTORY_LENGTH = 5;
  /** Heartbeats of messages advertised in IHAVE (spec v1.0). */
  public static final int DEFAULT_HISTORY_GOSSIP = 3;
  /** Fanout kept for a topic we stopped publishing to (spec v1.0: 60 s). */
  public static final int DEFAULT_FANOUT_TTL_MS = 60_000;
  /** How long a message id stays in the seen cache (go: 120 s). */
  public static final int DEFAULT_SEEN_TTL_MS = 120_000;
  /** Own messages go to every topic peer above the publish threshold (spec v1.1). */
  public static final boolean DEFAULT_FLOOD_PUBLISH = true;
  /** Messages at least this large (bytes) trigger IDONTWANT (spec v1.2; go: 1 KiB). */
  public static final int DEFAULT_IDONTWANT_THRESHOLD = 1024;

  // ---- what a TopicCluster may set (CRD minimum and maximum per member) ----
  public static final int MIN_D = 0;
  public static final int MAX_D = 100;
  public static final int MIN_DLO = 0;
  public static final int MAX_DLO = 100;
  public static final int MIN_DHI = 0;
  public static final int MAX_DHI = 200;
  public static final int MIN_DLAZY = 0;
  public static final int MAX_DLAZY = 100;
  public static final int MIN_DOUT = 0;
  public static final int MAX_DOUT = 50;
  public static final int MIN_DSCORE = 0;
  public static final int MAX_DSCORE = 100;
  public static final int MIN_HEARTBEAT_INTERVAL_MS = 10;
  public static final int MAX_HEARTBEAT_INTERVAL_MS = 60_000;
  public static final int MIN_HISTORY_LENGTH = 1;
  public static final int MAX_HISTORY_LENGTH = 100;
  public static final int MIN_HISTORY_GOSSIP = 1;
  public static final int MAX_HISTORY_GOSSIP = 100;
  public static final int MIN_FANOUT_TTL_MS = 1000;
  public static final int MAX_FANOUT_TTL_MS = 3_600_000;
  public static final int MIN_SEEN_TTL_MS = 1000;
  public static final int MAX_SEEN_TTL_MS = 3_600_000;
  public static final int MIN_IDONTWANT_THRESHOLD = 0;
  public static final int MAX_IDONTWANT_THRESHOLD = 16 * 1024 * 1024;

  /** The bootstrapper rule's wording, shared by the error and the CRD's CEL message. */
  public static final String BOOTSTRAPPER_RULE = "only a bootstrapper runs with d = dlo = dhi = dout = 0";

  /** True for the bootstrapper degree family (D = Dlo = Dhi = Dout = 0). */
  public static boolean isBootstrapper(int d, int dlo, int dhi, int dout) {
    return d == 0 && dlo == 0 && dhi == 0 && dout == 0;
  }

  /**
   * The mesh invariants, checked in a fixed order so that a set breaking several is always named by
   * the same member.
   *
   * @throws ParameterException naming the first member that breaks one
   */
  public static void checkDegrees(int d, int dlo, int dhi, int dscore, int dout, int dlazy) {
    check(d >= 0, D, d, "must be >= 0");
    check(dlo >= 0, DLO, dlo, "must be >= 0");
    check(dscore >= 0, DSCORE, dscore, "must be >= 0");
    check(dout >= 0, DOUT, dout, "must be >= 0");
    check(dlazy >= 0, DLAZY, dlazy, "must be >= 0");
    if (!isBootstrapper(d, dlo, dhi, dout)) {
      // a mesh that may shrink to 0 is never refilled: name dlo, not the dout rule it also breaks
      check(dlo >= 1, DLO, dlo, "must be >= 1 (" + BOOTSTRAPPER_RULE + ")");
      check(dlo <= d, DLO, dlo, "must be <= d (" + d + ")");
      check(d <= dhi, DHI, dhi, "must be >= d (" + d + ")");
      check(dout < dlo, DOUT, dout, "must be < dlo (" + dlo + ")");
      check(dout <= d / 2, DOUT, dout, "must be <= d/2 (" + d / 2 + ")");
    }
    check(dscore <= dhi, DSCORE, dscore, "must be <= dhi (" + dhi + ")");
  }

  /** historyLength ≥ 1 and 1 ≤ historyGossip ≤ historyLength. */
  public static void checkHistory(int historyLength, int historyGossip) {
    check(historyLength >= 1, HISTORY_LENGTH, historyLength, "must be >= 1");
    check(historyGossip >= 1 && historyGossip <= historyLength, HISTORY_GOSSIP, historyGossip,
        "must be in [1, historyLength (" + historyLength + ")]");
  }

  /**
   * A duration member that must be positive, named with its {@code Ms} member name; the value is
   * shown in milliseconds (or as an ISO-8601 duration when it is not a whole number of them).
   */
  public static void checkPositive(String member, Duration value) {
    check(value != null && !value.isNegative() && !value.isZero(), member, millis(value), "must be > 0");
  }

  /** The IDONTWANT size threshold: bytes, ≥ 0. */
  public static void checkIdontwantThreshold(int bytes) {
    check(bytes >= 0, IDONTWANT_THRESHOLD, bytes, "must be >= 0");
  }

  /**
   * Every shared member: what the node accepts for them. The operator checks the same; its CRD
   * admits only the narrower {@code MIN_}/{@code MAX_} ranges.
   *
   * @throws ParameterException naming the first member that breaks a rule
   */
  @SuppressWarnings("checkstyle:ParameterNumber")
  public static void checkShared(int d, int dlo, int dhi, int dscore, int dout, int dlazy, Duration heartbeatInterval,
      int historyLength, int historyGossip, Duration fanoutTtl, Duration seenTtl, int idontwantThreshold) {
    checkDegrees(d, dlo, dhi, dscore, dout, dlazy);
    checkHistory(historyLength, historyGossip);
    checkPositive(HEARTBEAT_INTERVAL_MS, heartbeatInterval);
    checkPositive(FANOUT_TTL_MS, fanoutTtl);
    checkPositive(SEEN_TTL_MS, seenTtl);
    checkIdontwantThreshold(idontwantThreshold);
  }

  private static void check(boolean ok, String member, Object value, String rule) {
    if (!ok) {
      throw new ParameterException(member, value, rule);
    }
  }

  private static Object millis(Duration v) {
    if (v == null) {
      return null;
    }
    try {
      long ms = v.toMillis();
      return Duration.ofMillis(ms).equals(v) ? (Object) ms : v;
    } catch (ArithmeticException tooLong) {
      return v;
    }
  }
}
