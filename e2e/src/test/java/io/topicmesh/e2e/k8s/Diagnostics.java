package io.topicmesh.e2e.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * On a failed step (test or lifecycle method), prints what the cluster looks like: each tracked
 * namespace's TopicClusters (spec and status), pods with their container states, the logs of every
 * container (current and previous), the events in time order, and the operator's pods and logs.
 * Also times each test and records the duration as a figure.
 */
final class Diagnostics implements TestWatcher, BeforeTestExecutionCallback, AfterTestExecutionCallback,
    LifecycleMethodExecutionExceptionHandler {
  private static final Map<Class<?>, Set<String>> NAMESPACES = new ConcurrentHashMap<>();
  private static final int LOG_LINES = 150;

  /** Namespaces whose state is printed when a step of {@code testClass} fails. */
  static void track(Class<?> testClass, String namespace) {
    NAMESPACES.computeIfAbsent(testClass, k -> ConcurrentHashMap.newKeySet()).add(namespace);
  }

  @Override
  public void beforeTestExecution(ExtensionContext context) {
    context.getStore(ExtensionContext.Namespace.GLOBAL).put("e2e.start", System.nanoTime());
    System.out.printf("e2e: %s ---- %s.%s%n", Instant.now(), context.getRequiredTestClass().getSimpleName(),
        context.getRequiredTestMethod().getName());
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    Long start = context.getStore(ExtensionContext.Namespace.GLOBAL).get("e2e.start", Long.class);
    if (start != null) {
      double s = (System.nanoTime() - start) / 1e9;
      String method = context.getRequiredTestMethod().getName();
      String shown = context.getDisplayName().startsWith(method) ? "" : "." + context.getDisplayName();
      Figures.record("duration." + context.getRequiredTestClass().getSimpleName() + "." + method
          + shown.replaceAll("[^A-Za-z0-9._-]+", "_"), Math.round(s * 10) / 10.0, "s");
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    dump(context, "test " + context.getDisplayName() + " failed: " + cause);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    dump(context, "@BeforeAll of " + context.getDisplayName() + " failed: " + t);
    throw t;
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    dump(context, "@BeforeEach of " + context.getDisplayName() + " failed: " + t);
    throw t;
  }

  private static void dump(ExtensionContext context, String why) {
    StringBuilder out = new StringBuilder();
    out.append("\n======== e2e diagnostics: ").append(why).append('\n');
    try {
      KubernetesClient client = E2eEnv.get().client;
      Set<String> namespaces = new LinkedHashSet<>(
          NAMESPACES.getOrDefault(context.getRequiredTestClass(), Set.of()));
      for (String ns : namespaces) {
        dumpNamespace(client, ns, null, out);
      }
      dumpNamespace(client, E2eEnv.get().operatorNamespace, "app.kubernetes.io/name=topicmesh-operator", out);
    } catch (RuntimeException e) {
      out.append("(diagnostics incomplete: ").append(e).append(")\n");
    }
    out.append("======== end of e2e diagnostics\n");
    System.out.println(out);
  }

  static void dumpNamespace(KubernetesClient client, String ns, String podSelector, StringBuilder out) {
    out.append("---- namespace ").append(ns).append('\n');
    if (podSelector == null) {
      try {
        for (GenericKubernetesResource tc : Tc.api(client).inNamespace(ns).list().getItems()) {
          Map<String, Object> shown = new java.util.LinkedHashMap<>();
          shown.put("name", tc.getMetadata().getName());
          shown.put("generation", tc.getMetadata().getGeneration());
          shown.put("spec", tc.getAdditionalProperties().get("spec"));
          shown.put("status", tc.getAdditionalProperties().get("status"));
          out.append("TopicCluster:\n").append(Serialization.asYaml(shown)).append('\n');
        }
      } catch (RuntimeException e) {
        out.append("(TopicClusters: ").append(e.getMessage()).append(")\n");
      }
    }
    List<Pod> pods;
    try {
      var op = client.pods().inNamespace(ns);
      pods = podSelector == null ? op.list().getItems() : op.withLabelSelector(podSelector).list().getItems();
    } catch (RuntimeException e) {
      out.append("(pods: ").append(e.getMessage()).append(")\n");
      pods = List.of();
    }
    for (Pod p : pods) {
      out.append("pod ").append(p.getMetadata().getName()).append(" uid=").append(p.getMetadata().getUid())
          .append(" phase=").append(p.getStatus().getPhase())
          .append(" deleting=").append(p.getMetadata().getDeletionTimestamp() != null)
          .append(" node=").append(p.getSpec().getNodeName()).append(" ip=").append(p.getStatus().getPodIP())
          .append('\n');
      for (ContainerStatus cs : Optional.ofNullable(p.getStatus().getContainerStatuses()).orElse(List.of())) {
        out.append("  container ").append(cs.getName()).append(" image=").append(cs.getImage())
            .append(" ready=").append(cs.getReady()).append(" restarts=").append(cs.getRestartCount())
            .append(" state=").append(Serialization.asJson(cs.getState()))
            .append(" lastState=").append(Serialization.asJson(cs.getLastState())).append('\n');
      }
      Optional.ofNullable(p.getStatus().getConditions()).orElse(List.of()).forEach(c ->
          out.append("  condition ").append(c.getType()).append('=').append(c.getStatus())
              .append(c.getReason() == null ? "" : " " + c.getReason())
              .append(c.getMessage() == null ? "" : " " + c.getMessage()).append('\n'));
      for (var c : p.getSpec().getContainers()) {
        for (boolean previous : new boolean[] {false, true}) {
          String log;
          try {
            var cr = client.pods().inNamespace(ns).withName(p.getMetadata().getName()).inContainer(c.getName());
            log = previous ? cr.terminated().tailingLines(LOG_LINES).getLog()
                : cr.tailingLines(LOG_LINES).getLog();
          } catch (RuntimeException e) {
            log = "(none: " + firstLine(e.getMessage()) + ")\n";
          }
          out.append("  ---- log of ").append(p.getMetadata().getName()).append('/').append(c.getName())
              .append(previous ? " (previous container)" : " (current container)").append(":\n");
          for (String line : (log == null ? "" : log).split("\n")) {
            out.append("  | ").append(line).append('\n');
          }
        }
      }
    }
    try {
      List<Event> events = new ArrayList<>(client.v1().events().inNamespace(ns).list().getItems());
      events.sort(Comparator.comparing(Diagnostics::eventTime));
      out.append("events (").append(events.size()).append("):\n");
      for (Event e : events) {
        out.append("  ").append(eventTime(e)).append(' ').append(e.getType()).append(' ').append(e.getReason())
            .append(' ').append(e.getInvolvedObject().getKind()).append('/').append(e.getInvolvedObject().getName())
            .append(" x").append(e.getCount()).append(": ").append(e.getMessage()).append('\n');
      }
    } catch (RuntimeException e) {
      out.append("(events: ").append(e.getMessage()).append(")\n");
    }
  }

  static String eventTime(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return e.getMetadata().getCreationTimestamp() == null ? "" : e.getMetadata().getCreationTimestamp();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
