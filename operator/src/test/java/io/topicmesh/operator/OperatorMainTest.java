package io.topicmesh.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OperatorMainTest {
  @Test
  void oneLeaseRenewalAttemptEndsBeforeTheLeaseRunsOut() {
    Config base = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:6443")
        .withRequestRetryBackoffLimit(10).withConnectionTimeout(10_000).withRequestTimeout(10_000).build();
    Config config = OperatorMain.apiClientConfig(base);

    assertThat(config.getMasterUrl()).startsWith("https://127.0.0.1:6443");
    assertThat(config.getRequestRetryBackoffLimit()).as("no client-side retries").isZero();
    // The elector checks the renew deadline between attempts: the last attempt may start at the
    // deadline and must end (connect + request) before the lease can be taken by a standby.
    Duration attempt = Duration.ofMillis(config.getConnectionTimeout() + config.getRequestTimeout());
    assertThat(OperatorMain.RENEW_DEADLINE.plus(attempt)).isLessThan(OperatorMain.LEASE_DURATION);
    assertThat(OperatorMain.RETRY_PERIOD).isLessThan(OperatorMain.RENEW_DEADLINE);
  }

  @Test
  void failedReconcilesAreRetriedWithoutEndAtMostEvery30Seconds() {
    var execution = OperatorMain.reconcileRetry().initExecution();
    long previous = 0;
    for (int attempt = 0; attempt < 1_000; attempt++) {
      var delay = execution.nextDelay();
      assertThat(delay).as("attempt %d is retried", attempt).isPresent();
      assertThat(delay.get()).isBetween(previous, 30_000L);
      previous = delay.get();
    }
    assertThat(previous).isEqualTo(30_000L);
  }
}
