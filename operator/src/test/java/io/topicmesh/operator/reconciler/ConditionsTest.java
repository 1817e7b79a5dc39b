package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
    List<Condition> conditions = new ArrayList<>();
    assertThat(Conditions.set(conditions, Conditions.READY, false, "NotReady", "0 of 3", 1L, T0)).isTrue();
    assertThat(Conditions.set(conditions, Conditions.READY, false, "NotReady", "2 of 3", 2L, T0.plusSeconds(5))).isFalse();
    Condition ready = Conditions.find(conditions, Conditions.READY).orElseThrow();
    assertThat(ready.getLastTransitionTime()).isEqualTo(T0.toString());
    assertThat(ready.getMessage()).isEqualTo("2 of 3");
    assertThat(ready.getObservedGeneration()).isEqualTo(2L);
    assertThat(Conditions.set(conditions, Conditions.READY, true, "ClusterReady", "ok", 2L, T0.plusSeconds(9))).isTrue();
    assertThat(Conditions.find(conditions, Conditions.READY).orElseThrow().getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(9).toString());
    assertThat(conditions).hasSize(1);
  }

  @Test
  void conditionsKeepAFixedOrder() {
    List<Condition> conditions = new ArrayList<>();
    Conditions.set(conditions, Conditions.TUNED, true, "StaticParams", "", 1L, T0);
    Conditions.set(conditions, Conditions.MESH_HEALTHY, "Unknown", "NoNodeAnswered", "", 1L, T0);
    Conditions.set(conditions, Conditions.READY, false, "NotReady", "", 1L, T0);
    assertThat(conditions).extracting(Condition::getType).containsExactly("Ready", "MeshHealthy", "Tuned");
    assertThat(Conditions.isTrue(conditions, Conditions.TUNED)).isTrue();
    assertThat(Conditions.isTrue(conditions, Conditions.READY)).isFalse();
  }
}
