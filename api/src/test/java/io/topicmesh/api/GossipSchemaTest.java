package io.topicmesh.api;

import static io.topicmesh.api.GossipSchema.checkDegrees;
import static io.topicmesh.api.GossipSchema.checkShared;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GossipSchemaTest {
  private static final Duration HB = Duration.ofMillis(GossipSchema.DEFAULT_HEARTBEAT_INTERVAL_MS);
  private static final Duration FANOUT = Duration.ofMillis(GossipSchema.DEFAULT_FANOUT_TTL_MS);
  private static final Duration SEEN = Duration.ofMillis(GossipSchema.DEFAULT_SEEN_TTL_MS);

  private static void degrees(int d, int dlo, int dhi, int dscore, int dout, int dlazy) {
    checkDegrees(d, dlo, dhi, dscore, dout, dlazy);
  }

  @Test
  void theDefaultsAreValid() {
    assertThatCode(() -> checkShared(GossipSchema.DEFAULT_D, GossipSchema.DEFAULT_DLO, GossipSchema.DEFAULT_DHI,
        GossipSchema.DEFAULT_DSCORE, GossipSchema.DEFAULT_DOUT, GossipSchema.DEFAULT_DLAZY, HB,
        GossipSchema.DEFAULT_HISTORY_LENGTH, GossipSchema.DEFAULT_HISTORY_GOSSIP, FANOUT, SEEN,
        GossipSchema.DEFAULT_IDONTWANT_THRESHOLD)).doesNotThrowAnyException();
  }

  @Test
  void dloAtMostDAtMostDhi() {
    assertThatCode(() -> degrees(6, 6, 6, 4, 2, 6)).doesNotThrowAnyException();
    assertThatThrownBy(() -> degrees(6, 7, 12, 4, 2, 6)).isInstanceOf(ParameterException.class)
        .hasMessage("dlo=7: must be <= d (6)");
    assertThatThrownBy(() -> degrees(6, 5, 5, 4, 2, 6)).hasMessage("dhi=5: must be >= d (6)");
  }

  @Test
  void doutBelowDloAndAtMostHalfOfD() {
    assertThatCode(() -> degrees(4, 3, 8, 4, 2, 6)).doesNotThrowAnyException();
    assertThatThrownBy(() -> degrees(6, 5, 12, 4, 5, 6)).hasMessage("dout=5: must be < dlo (5)");
    assertThatThrownBy(() -> degrees(4, 4, 8, 4, 3, 6)).hasMessage("dout=3: must be <= d/2 (2)");
    // d odd: d/2 rounds down
    assertThatThrownBy(() -> degrees(5, 4, 8, 4, 3, 6)).hasMessage("dout=3: must be <= d/2 (2)");
  }

  @Test
  void dscoreAtMostDhi() {
    assertThatCode(() -> degrees(6, 5, 12, 12, 2, 6)).doesNotThrowAnyException();
    assertThatThrownBy(() -> degrees(6, 5, 12, 13, 2, 6)).hasMessage("dscore=13: must be <= dhi (12)");
  }

  @Test
  void noMemberIsNegative() {
    assertThatThrownBy(() -> degrees(-1, 5, 12, 4, 2, 6)).hasMessage("d=-1: must be >= 0");
    assertThatThrownBy(() -> degrees(6, -1, 12, 4, 2, 6)).hasMessage("dlo=-1: must be >= 0");
    assertThatThrownBy(() -> degrees(6, 5, 12, -1, 2, 6)).hasMessage("dscore=-1: must be >= 0");
    assertThatThrownBy(() -> degrees(6, 5, 12, 4, -1, 6)).hasMessage("dout=-1: must be >= 0");
    assertThatThrownBy(() -> degrees(6, 5, 12, 4, 2, -1)).hasMessage("dlazy=-1: must be >= 0");
  }

  @Test
  void aBootstrapperRunsWithNoMeshAndNothingElseDoes() {
    assertThat(GossipSchema.isBootstrapper(0, 0, 0, 0)).isTrue();
    assertThatCode(() -> degrees(0, 0, 0, 0, 0, 6)).doesNotThrowAnyException();
    // dscore still bounded by dhi
    assertThatThrownBy(() -> degrees(0, 0, 0, 1, 0, 6)).hasMessage("dscore=1: must be <= dhi (0)");
    // half a bootstrapper: the mesh could drain to 0 and never refill
    assertThatThrownBy(() -> degrees(0, 0, 3, 0, 0, 6))
        .hasMessage("dlo=0: must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
    assertThatThrownBy(() -> degrees(4, 0, 8, 0, 0, 6)).hasMessage(
        "dlo=0: must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
    // the smallest mesh that is not a bootstrapper
    assertThatCode(() -> degrees(1, 1, 1, 1, 0, 0)).doesNotThrowAnyException();
  }

  @Test
  void aSetBreakingSeveralRulesIsNamedByTheSameMemberEveryTime() {
    // dlo > d and dout >= dlo: dlo comes first
    assertThatThrownBy(() -> degrees(3, 4, 2, 9, 9, 6)).hasMessageStartingWith("dlo=4");
  }

  @Test
  void history() {
    assertThatCode(() -> GossipSchema.checkHistory(3, 3)).doesNotThrowAnyException();
    assertThatThrownBy(() -> GossipSchema.checkHistory(0, 0)).hasMessage("historyLength=0: must be >= 1");
    assertThatThrownBy(() -> GossipSchema.checkHistory(5, 6)).hasMessage("historyGossip=6: must be in [1, historyLength (5)]");
    assertThatThrownBy(() -> GossipSchema.checkHistory(5, 0)).hasMessage("historyGossip=0: must be in [1, historyLength (5)]");
  }

  @Test
  void durationsArePositiveAndNamedInMilliseconds() {
    assertThatCode(() -> GossipSchema.checkPositive("heartbeatIntervalMs", Duration.ofMillis(1))).doesNotThrowAnyException();
    assertThatThrownBy(() -> GossipSchema.checkPositive("heartbeatIntervalMs", Duration.ZERO))
        .hasMessage("heartbeatIntervalMs=0: must be > 0");
    assertThatThrownBy(() -> GossipSchema.checkPositive("seenTtlMs", Duration.ofMillis(-5)))
        .hasMessage("seenTtlMs=-5: must be > 0");
    assertThatThrownBy(() -> GossipSchema.checkPositive("fanoutTtlMs", null)).hasMessage("fanoutTtlMs=null: must be > 0");
    assertThatThrownBy(() -> GossipSchema.checkPositive("fanoutTtlMs", Duration.ofNanos(-1)))
        .hasMessage("fanoutTtlMs=PT-0.000000001S: must be > 0");
  }

  @Test
  void idontwantThreshold() {
    assertThatCode(() -> GossipSchema.checkIdontwantThreshold(0)).doesNotThrowAnyException();
    assertThatThrownBy(() -> GossipSchema.checkIdontwantThreshold(-1)).hasMessage("idontwantThreshold=-1: must be >= 0");
  }

  @Test
  void checkSharedNamesEachMember() {
    ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(ParameterException.class,
        () -> checkShared(6, 5, 12, 4, 2, 6, HB, 5, 3, FANOUT, Duration.ZERO, 1024));
    assertThat(e.field()).isEqualTo("seenTtlMs");
    assertThat(e.value()).isEqualTo(0L);
    assertThat(e.rule()).isEqualTo("must be > 0");
    assertThatThrownBy(() -> checkShared(6, 5, 12, 4, 2, 6, Duration.ZERO, 5, 3, FANOUT, SEEN, 1024))
        .hasMessage("heartbeatIntervalMs=0: must be > 0");
    assertThatThrownBy(() -> checkShared(6, 5, 12, 4, 2, 6, HB, 5, 3, FANOUT, SEEN, -1))
        .hasMessage("idontwantThreshold=-1: must be >= 0");
  }

  /** What a TopicCluster may set lies inside what the node accepts: every corner of the ranges passes. */
  @Test
  void theCustomResourceRangesLieInsideTheRules() {
    assertThatCode(() -> checkShared(GossipSchema.MIN_D, GossipSchema.MIN_DLO, GossipSchema.MIN_DHI,
        GossipSchema.MIN_DSCORE, GossipSchema.MIN_DOUT, GossipSchema.MIN_DLAZY,
        Duration.ofMillis(GossipSchema.MIN_HEARTBEAT_INTERVAL_MS), GossipSchema.MIN_HISTORY_LENGTH,
        GossipSchema.MIN_HISTORY_GOSSIP, Duration.ofMillis(GossipSchema.MIN_FANOUT_TTL_MS),
        Duration.ofMillis(GossipSchema.MIN_SEEN_TTL_MS), GossipSchema.MIN_IDONTWANT_THRESHOLD))
        .doesNotThrowAnyException();
    assertThatCode(() -> checkShared(GossipSchema.MAX_D, GossipSchema.MAX_DLO, GossipSchema.MAX_DHI,
        GossipSchema.MAX_DSCORE, GossipSchema.MAX_DOUT, GossipSchema.MAX_DLAZY,
        Duration.ofMillis(GossipSchema.MAX_HEARTBEAT_INTERVAL_MS), GossipSchema.MAX_HISTORY_LENGTH,
        GossipSchema.MAX_HISTORY_GOSSIP, Duration.ofMillis(GossipSchema.MAX_FANOUT_TTL_MS),
        Duration.ofMillis(GossipSchema.MAX_SEEN_TTL_MS), GossipSchema.MAX_IDONTWANT_THRESHOLD))
        .doesNotThrowAnyException();
    // and every default lies in its range
    int[][] defaultMinMax = {
        {GossipSchema.DEFAULT_D, GossipSchema.MIN_D, GossipSchema.MAX_D},
        {GossipSchema.DEFAULT_DLO, GossipSchema.MIN_DLO, GossipSchema.MAX_DLO},
        {GossipSchema.DEFAULT_DHI, GossipSchema.MIN_DHI, GossipSchema.MAX_DHI},
        {GossipSchema.DEFAULT_DLAZY, GossipSchema.MIN_DLAZY, GossipSchema.MAX_DLAZY},
        {GossipSchema.DEFAULT_DOUT, GossipSchema.MIN_DOUT, GossipSchema.MAX_DOUT},
        {GossipSchema.DEFAULT_DSCORE, GossipSchema.MIN_DSCORE, GossipSchema.MAX_DSCORE},
        {GossipSchema.DEFAULT_HEARTBEAT_INTERVAL_MS, GossipSchema.MIN_HEARTBEAT_INTERVAL_MS,
            GossipSchema.MAX_HEARTBEAT_INTERVAL_MS},
        {GossipSchema.DEFAULT_HISTORY_LENGTH, GossipSchema.MIN_HISTORY_LENGTH, GossipSchema.MAX_HISTORY_LENGTH},
        {GossipSchema.DEFAULT_HISTORY_GOSSIP, GossipSchema.MIN_HISTORY_GOSSIP, GossipSchema.MAX_HISTORY_GOSSIP},
        {GossipSchema.DEFAULT_FANOUT_TTL_MS, GossipSchema.MIN_FANOUT_TTL_MS, GossipSchema.MAX_FANOUT_TTL_MS},
        {GossipSchema.DEFAULT_SEEN_TTL_MS, GossipSchema.MIN_SEEN_TTL_MS, GossipSchema.MAX_SEEN_TTL_MS},
        {GossipSchema.DEFAULT_IDONTWANT_THRESHOLD, GossipSchema.MIN_IDONTWANT_THRESHOLD,
            GossipSchema.MAX_IDONTWANT_THRESHOLD}};
    for (int i = 0; i < defaultMinMax.length; i++) {
      assertThat(defaultMinMax[i][0]).as("default of %s", GossipSchema.MEMBERS.get(i))
          .isBetween(defaultMinMax[i][1], defaultMinMax[i][2]);
    }
  }

  @Test
  void meshMembersAreSharedMembers() {
    assertThat(GossipSchema.MEMBERS).containsAll(GossipSchema.MESH_MEMBERS).doesNotHaveDuplicates().hasSize(13);
  }
}
