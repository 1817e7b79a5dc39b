package io.topicmesh.operator.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Emits core/v1 Events about a TopicCluster; a failure to record is logged, never thrown. */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  /** Longest event message the recorder sends; the API server rejects very long ones. */
  static final int MAX_MESSAGE = 1024;
  private final KubernetesClient client;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(TopicCluster cr, String reason, String message) {
    record(cr, "Normal", reason, message);
  }

  public void warning(TopicCluster cr, String reason, String message) {
    record(cr, "Warning", reason, message);
  }

  private void record(TopicCluster cr, String type, String reason, String message) {
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
    LOG.info("cluster={}/{} event={} {}", cr.getMetadata().getNamespace(), cr.getMetadata().getName(), reason, text);
    String now = clock.instant().toString();
    Event event = new EventBuilder()
        .withNewMetadata()
        .withName(cr.getMetadata().getName() + "." + Long.toHexString(clock.millis()) + Long.toHexString(sequence.incrementAndGet()))
        .withNamespace(cr.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject().withApiVersion(cr.getApiVersion()).withKind(cr.getKind())
        .withName(cr.getMetadata().getName()).withNamespace(cr.getMetadata().getNamespace())
        .withUid(cr.getMetadata().getUid()).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(text).withCount(1)
        .withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent("topicmesh-operator").endSource()
        .withReportingComponent("topicmesh-operator")
        .build();
    try {
      client.v1().events().inNamespace(cr.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("cluster={}/{} could not record event {}: {}", cr.getMetadata().getNamespace(),
          cr.getMetadata().getName(), reason, e.getMessage());
    }
  }
}
