package io.topicmesh.operator.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Set;

/**
 * Does what kube-controller-manager's StatefulSet controller and a kubelet would (kube-api-test runs
 * only etcd and kube-apiserver): creates the missing pods of ordinals below {@code replicas} from the
 * current template, deletes pods at or above it, and marks pods Ready with a loopback IP; pods whose
 * image is in {@link #brokenImages} get Ready=False and a waiting container with that reason.
 */
final class StatefulSetSimulator {
  private final KubernetesClient client;
  /** Images a kubelet cannot run, with the container waiting reason it would show (e.g. ImagePullBackOff). */
  final java.util.Map<String, String> brokenImages = new java.util.LinkedHashMap<>();
  /** The IP a pod gets, by pod name (all 127.0.0.1 unless a test gives each pod its own loopback address). */
  java.util.function.Function<String, String> podIp = pod -> "127.0.0.1";

  StatefulSetSimulator(KubernetesClient client) {
    this.client = client;
  }

  /** Brings the pods in line with the StatefulSet; {@code notReady} pods get Ready=False. */
  void sync(String namespace, String name, Set<String> notReady) {
    StatefulSet sts = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    int replicas = sts.getSpec().getReplicas();
    List<Pod> pods = client.pods().inNamespace(namespace).withLabels(sts.getSpec().getSelector().getMatchLabels())
        .list().getItems();
    for (Pod pod : pods) {
      String podName = pod.getMetadata().getName();
      int ordinal = Integer.parseInt(podName.substring(podName.lastIndexOf('-') + 1));
      if (ordinal >= replicas) {
        client.pods().inNamespace(namespace).withName(podName).withGracePeriod(0).delete();
      }
    }
    for (int i = 0; i < replicas; i++) {
      String podName = name + "-" + i;
      Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
      if (pod == null) {
        var template = sts.getSpec().getTemplate();
        pod = client.pods().inNamespace(namespace).resource(new PodBuilder()
            .withNewMetadata().withName(podName).withNamespace(namespace)
            .withLabels(new HashMap<>(template.getMetadata().getLabels()))
            .withAnnotations(new HashMap<>(template.getMetadata().getAnnotations()))
            .endMetadata()
            .withSpec(template.getSpec())
            .build()).create();
      }
      String image = pod.getSpec().getContainers().get(0).getImage();
      String broken = brokenImages.get(image);
      boolean ready = !notReady.contains(podName) && broken == null;
      var container = new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("node").withImage(image)
          .withReady(ready).withRestartCount(broken == null ? 0 : 4);
      if (broken == null) {
        container.withNewState().withNewRunning().endRunning().endState();
      } else {
        container.withNewState().withNewWaiting().withReason(broken).withMessage("simulated: " + broken + " for " + image)
            .endWaiting().endState();
      }
      pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(broken == null ? "Running" : "Pending")
          .withPodIP(podIp.apply(podName))
          .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
          .withContainerStatuses(container.build())
          .build());
      client.pods().inNamespace(namespace).resource(pod).updateStatus();
    }
  }

  void sync(String namespace, String name) {
    sync(namespace, name, Set.of());
  }
}
