package io.topicmesh.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class OneLineNetworkFailuresTest {
  private static String format(Throwable t) {
    LoggerContext context = new LoggerContext();
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.getInstanceConverterMap().put("nex", OneLineNetworkFailures::new);
    layout.setPattern("%-5level %msg%nex%n");
    layout.start();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.WARN, "reconcile failed", t, null);
    return layout.doLayout(event);
  }

  @Test
  void aNetworkFailureIsOneLineWithItsCauseChain() {
    var e = new KubernetesClientException("Operation: [patch] failed.",
        new IOException("io", new ConnectException("Connection refused")));
    String line = format(e);
    assertThat(line.lines()).hasSize(1);
    assertThat(line).isEqualTo("WARN  reconcile failed [IOException: io caused by ConnectException: Connection refused]"
        + System.lineSeparator());
  }

  @Test
  void anyOtherExceptionKeepsItsStackTrace() {
    String text = format(new IllegalStateException("a bug"));
    assertThat(text.lines().findFirst()).hasValue("WARN  reconcile failed");
    assertThat(text).contains("java.lang.IllegalStateException: a bug", "\tat io.topicmesh.operator.");
    assertThat(text).doesNotEndWith(System.lineSeparator() + System.lineSeparator());
  }

  @Test
  void noExceptionNoExtraText() {
    assertThat(format(null)).isEqualTo("WARN  reconcile failed" + System.lineSeparator());
  }
}
