package io.topicmesh.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.topicmesh.operator.model.TopicClusterModel;
import java.net.URI;
import java.util.Optional;

/** Where a pod's admin API listens. */
@FunctionalInterface
public interface NodeEndpoints {
  /** The admin base URI of the pod, or empty when it has no address yet. */
  Optional<URI> admin(Pod pod);

  /** The pod IP on the admin port, as inside a cluster. */
  static NodeEndpoints podIp() {
    return pod -> {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isBlank()) {
        return Optional.empty();
      }
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      return Optional.of(URI.create("http://" + host + ":" + TopicClusterModel.ADMIN_PORT));
    };
  }
}
