package io.topicmesh.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.topicmesh.operator.api.v1alpha1.AdminTlsMode;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.tls.AdminCertificates;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.ValidationMode;
import io.topicmesh.operator.identity.NodeIdentity;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The pure model of one TopicCluster (Strimzi's {@code KafkaCluster.fromCrd} shape):
 * {@link #from(TopicCluster)} validates what the schema cannot and the {@code desired...} methods
 * return the objects the cluster consists of. No API calls, no clock, no randomness; the reconciler
 * supplies generated keys and tokens and the effective parameters.
 */
public final class TopicClusterModel {
  public static final String APP_LABEL = "app.kubernetes.io/name";
  public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
  public static final String APP = "topicmesh-node";
  public static final String MANAGER = "topicmesh-operator";
  /** Hash of the restart-requiring node configuration (cluster, discovery, score thresholds); topics are live. */
  public static final String CONFIG_HASH_ANNOTATION = "topicmesh.io/config-hash";
  /** Hash of everything in the pod template that needs a restart; pods carrying another value are outdated. */
  public static final String TEMPLATE_HASH_ANNOTATION = "topicmesh.io/template-hash";
  public static final String PEER_ID_ANNOTATION = "topicmesh.io/peer-id";
  public static final String ORDINAL_LABEL = "topicmesh.io/ordinal";

  public static final int P2P_PORT = 4001;
  public static final int ADMIN_PORT = 9090;
  public static final String CONFIG_FILE = "node.yaml";
  public static final String KEY_FILE = "key";
  public static final String TOKEN_FILE = "token";
  /** Where the node container sees its tokens: one file per scope (a projected volume of the token Secrets). */
  public static final String TOKEN_DIR = "/var/run/topicmesh/admin";
  /** The token scopes besides admin, each with its own generated Secret {@code <cluster>-<scope>-token}. */
  public static final List<String> APP_SCOPES = List.of("publish", "subscribe", "status");
  /** Where the node container sees its admin TLS certificate and key. */
  public static final String TLS_DIR = "/var/run/topicmesh/tls";
  public static final String TLS_CERT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  static final long NODE_UID = 10001;
  /** Longest cluster name: leaves room for "-identity-NNN" and the pods' controller-revision-hash label. */
  public static final int MAX_NAME_LENGTH = 40;
  private static final Pattern IMAGE = Pattern.compile("^[a-z0-9]+([._/:@-][A-Za-z0-9_.-]+)*$");
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  private final TopicCluster cr;
  private final TopicClusterSpec spec;
  private final String name;
  private final String namespace;

  private TopicClusterModel(TopicCluster cr) {
    this.cr = cr;
    this.spec = cr.getSpec();
    this.name = cr.getMetadata().getName();
    this.namespace = cr.getMetadata().getNamespace();
  }

  /**
   * Builds the model, or throws {@link InvalidSpecException} when the resource passed the schema but
   * cannot be realised.
   */
  public static TopicClusterModel from(TopicCluster cr) {
    TopicClusterSpec spec = cr.getSpec();
    String name = cr.getMetadata().getName();
    if (spec == null) {
      throw new InvalidSpecException("MissingSpec", "spec is required");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new InvalidSpecException("NameTooLong", "metadata.name must be at most " + MAX_NAME_LENGTH
          + " characters so that pod, Secret and label names fit; got " + name.length());
    }
    if (spec.image == null || !IMAGE.matcher(spec.image).matches()) {
      throw new InvalidSpecException("InvalidImage", "spec.image '" + spec.image + "' is not an image reference");
    }
    try {
      GossipParams.fromSpec(spec.gossipsub);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("InvalidGossipsubParameters", "spec.gossipsub." + e.getMessage());
    }
    checkResources(spec);
    checkScores(spec);
    checkTopicMesh(spec);
    return new TopicClusterModel(cr);
  }

  /**
   * Each topic's own mesh degrees ({@code spec.topics[].mesh}) must give D, Dlo and Dhi and, over
   * gossipsub's other members, keep the invariants the node checks; with Auto tuning its D lies within
   * the bounds. The CRD's CEL rules say the same; this covers objects that never went through the API
   * server, and names the field.
   */
  static void checkTopicMesh(TopicClusterSpec spec) {
    for (TopicClusterSpec.Topic t : spec.topics) {
      TopicClusterSpec.MeshDegrees m = t.mesh;
      if (m == null) {
        continue;
      }
      String where = "spec.topics[" + t.name + "].mesh";
      if (m.d == null || m.dlo == null || m.dhi == null) {
        throw new InvalidSpecException("InvalidTopicMeshParameters", where + ": d, dlo and dhi are required, got d="
            + m.d + " dlo=" + m.dlo + " dhi=" + m.dhi);
      }
      try {
        GossipParams.fromSpec(spec.gossipsub).forTopic(m);
      } catch (IllegalArgumentException e) {
        throw new InvalidSpecException("InvalidTopicMeshParameters", where + "." + e.getMessage());
      }
      var bounds = spec.tuning.bounds;
      if (spec.tuning.mode == io.topicmesh.operator.api.v1alpha1.TuningMode.Auto
          && (m.d < bounds.dMin || m.d > bounds.dMax)) {
        throw new InvalidSpecException("InvalidTopicMeshParameters", where + ".d=" + m.d + ": must lie within"
            + " tuning.bounds [" + bounds.dMin + ", " + bounds.dMax + "] when tuning.mode is Auto");
      }
    }
  }

  /**
   * Each topic's own parameters as the spec gives them ({@code spec.topics[].mesh} over
   * {@code spec.gossipsub}), in spec order; topics without a mesh block are absent (they run the
   * cluster's parameters).
   */
  public Map<String, GossipParams> topicParamsFromSpec() {
    Map<String, GossipParams> out = new LinkedHashMap<>();
    GossipParams cluster = GossipParams.fromSpec(spec.gossipsub);
    for (TopicClusterSpec.Topic t : spec.topics) {
      if (t.mesh != null) {
        out.put(t.name, cluster.forTopic(t.mesh));
      }
    }
    return out;
  }

  /**
   * P3 (mesh message deliveries) penalises a mesh peer whose deliveries stay below a threshold; a
   * negative weight is only meaningful with the threshold, activation and decay set and sane (the CRD's
   * CEL rules say the same; this covers objects that never went through the API server).
   */
  static void checkScores(TopicClusterSpec spec) {
    for (TopicClusterSpec.Topic t : spec.topics) {
      TopicClusterSpec.TopicScore s = t.score;
      if (s == null || s.meshMessageDeliveriesWeight == null || s.meshMessageDeliveriesWeight >= 0) {
        continue;
      }
      String where = "spec.topics[" + t.name + "].score: ";
      if (s.meshMessageDeliveriesThreshold == null || s.meshMessageDeliveriesActivationMs == null
          || s.meshMessageDeliveriesDecay == null) {
        throw new InvalidSpecException("InvalidScoreParameters", where + "a negative meshMessageDeliveriesWeight (P3)"
            + " needs meshMessageDeliveriesThreshold, meshMessageDeliveriesActivationMs and meshMessageDeliveriesDecay");
      }
      if (!(s.meshMessageDeliveriesThreshold > 0)) {
        throw new InvalidSpecException("InvalidScoreParameters", where + "meshMessageDeliveriesThreshold must be > 0, got "
            + s.meshMessageDeliveriesThreshold);
      }
      if (s.meshMessageDeliveriesActivationMs < 1000) {
        throw new InvalidSpecException("InvalidScoreParameters", where + "meshMessageDeliveriesActivationMs must be >= 1000, got "
            + s.meshMessageDeliveriesActivationMs);
      }
      if (!(s.meshMessageDeliveriesDecay > 0 && s.meshMessageDeliveriesDecay < 1)) {
        throw new InvalidSpecException("InvalidScoreParameters", where + "meshMessageDeliveriesDecay must be in (0, 1), got "
            + s.meshMessageDeliveriesDecay);
      }
      if (s.meshMessageDeliveriesCap != null && s.meshMessageDeliveriesCap < s.meshMessageDeliveriesThreshold) {
        throw new InvalidSpecException("InvalidScoreParameters", where + "meshMessageDeliveriesCap "
            + s.meshMessageDeliveriesCap + " is below meshMessageDeliveriesThreshold " + s.meshMessageDeliveriesThreshold);
      }
    }
  }

  private static void checkResources(TopicClusterSpec spec) {
    if (spec.resources == null || spec.resources.getRequests() == null || spec.resources.getLimits() == null) {
      return;
    }
    for (var request : spec.resources.getRequests().entrySet()) {
      Quantity limit = spec.resources.getLimits().get(request.getKey());
      try {
        if (limit != null && request.getValue().getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
          throw new InvalidSpecException("InvalidResources", "spec.resources: request " + request.getKey() + "="
              + request.getValue() + " exceeds its limit " + limit);
        }
      } catch (ArithmeticException | IllegalArgumentException e) {
        throw new InvalidSpecException("InvalidResources", "spec.resources: unreadable quantity for " + request.getKey());
      }
    }
  }

  public String name() {
    return name;
  }

  public String namespace() {
    return namespace;
  }

  public TopicClusterSpec spec() {
    return spec;
  }

  public int replicas() {
    return spec.replicas;
  }

  public String headlessServiceName() {
    return name + "-nodes";
  }

  public String configMapName() {
    return name + "-config";
  }

  public String adminTokenSecretName() {
    return name + "-admin-token";
  }

  /** The generated Secret holding the token of {@code scope} (admin, publish, subscribe or status). */
  public String tokenSecretName(String scope) {
    return scope.equals("admin") ? adminTokenSecretName() : name + "-" + scope + "-token";
  }

  /** The security settings, defaults when the resource never went through the API server. */
  public TopicClusterSpec.Security security() {
    TopicClusterSpec.Security sec = spec.security == null ? new TopicClusterSpec.Security() : spec.security;
    if (sec.adminTls == null) {
      sec.adminTls = new TopicClusterSpec.AdminTls();
    }
    if (sec.networkPolicy == null) {
      sec.networkPolicy = new TopicClusterSpec.NetworkPolicy();
    }
    return sec;
  }

  public AdminTlsMode adminTlsMode() {
    AdminTlsMode m = security().adminTls.mode;
    return m == null ? AdminTlsMode.Disabled : m;
  }

  /** Whether the nodes' admin API speaks TLS. */
  public boolean adminTls() {
    return adminTlsMode() != AdminTlsMode.Disabled;
  }

  /** The operator's per-cluster CA (mode Operator): ca.crt and ca.key, never mounted into a pod. */
  public String adminCaSecretName() {
    return name + "-admin-ca";
  }

  /** The Secret the nodes' serving certificate comes from: the operator's or the user's; null without TLS. */
  public String adminTlsSecretName() {
    return switch (adminTlsMode()) {
      case Operator -> name + "-admin-tls";
      case Secret -> security().adminTls.secretName;
      case Disabled -> null;
    };
  }

  /** The names the serving certificate carries. */
  public List<String> adminTlsDnsNames() {
    return AdminCertificates.dnsNames(name, namespace, headlessServiceName());
  }

  public String identitySecretName(int ordinal) {
    return name + "-identity-" + ordinal;
  }

  public String serviceAccountName() {
    return name + "-node";
  }

  public String roleName() {
    return name + "-node-discovery";
  }

  public String podName(int ordinal) {
    return name + "-" + ordinal;
  }

  /** Labels that select this cluster's pods (immutable once the StatefulSet exists). */
  public Map<String, String> selectorLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(APP_LABEL, APP);
    labels.put(INSTANCE_LABEL, name);
    return labels;
  }

  public Map<String, String> labels() {
    Map<String, String> labels = selectorLabels();
    labels.put(MANAGED_BY_LABEL, MANAGER);
    labels.put(COMPONENT_LABEL, "gossipsub-node");
    return labels;
  }

  public OwnerReference ownerReference() {
    return new OwnerReferenceBuilder().withApiVersion(cr.getApiVersion()).withKind(cr.getKind()).withName(name)
        .withUid(cr.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
  }

  private ObjectMeta meta(String objectName) {
    return new ObjectMetaBuilder().withName(objectName).withNamespace(namespace).withLabels(labels())
        .withOwnerReferences(ownerReference()).build();
  }

  /** Every desired object whose content follows from the spec (generated Secrets excluded). */
  public List<HasMetadata> desiredObjects(GossipParams effective, ScoreGuard.Decision scores, int statefulSetReplicas) {
    return desiredObjects(effective, scores, topicParamsFromSpec(), statefulSetReplicas);
  }

  /**
   * @param topicMesh the parameters of each topic with its own mesh degrees (the tuned ones), by topic
   */
  public List<HasMetadata> desiredObjects(GossipParams effective, ScoreGuard.Decision scores,
      Map<String, GossipParams> topicMesh, int statefulSetReplicas) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(serviceAccount());
    objects.add(role());
    objects.add(roleBinding());
    objects.add(configMap(effective, scores, topicMesh));
    objects.add(headlessService());
    objects.add(clientService());
    objects.add(podDisruptionBudget());
    objects.add(statefulSet(statefulSetReplicas));
    return objects;
  }

  public ServiceAccount serviceAccount() {
    return new ServiceAccountBuilder().withMetadata(meta(serviceAccountName())).build();
  }

  /** Least privilege for the node's Kubernetes discovery: read the EndpointSlices of the namespace. */
  public Role role() {
    return new RoleBuilder().withMetadata(meta(roleName()))
        .addNewRule().withApiGroups("discovery.k8s.io").withResources("endpointslices")
        .withVerbs("get", "list", "watch").endRule()
        .build();
  }

  public RoleBinding roleBinding() {
    return new RoleBindingBuilder().withMetadata(meta(roleName()))
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(roleName()).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(serviceAccountName()).withNamespace(namespace).endSubject()
        .build();
  }

  /** The restart-requiring part of the node configuration: everything but topics and live params. */
  private Map<String, Object> staticConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("cluster", name);
    config.put("namespace", namespace);
    config.put("discovery", "k8s:" + headlessServiceName());
    config.put("thresholds", YAML.convertValue(spec.gossipsub.thresholds, Map.class));
    // A node signs all its messages or none, fixed at start: it signs unless every topic asks for a
    // NoSign mode. Topics are otherwise live; a change of this derived policy needs a restart.
    config.put("signing", signingPolicy());
    return config;
  }

  /** "sign" unless every topic's validation is a NoSign mode ("none"), as the node derives it. */
  String signingPolicy() {
    boolean allNoSign = !spec.topics.isEmpty() && spec.topics.stream()
        .allMatch(t -> t.validation == ValidationMode.StrictNoSign || t.validation == ValidationMode.LaxNoSign);
    return allNoSign ? "none" : "sign";
  }

  /**
   * One entry of node.yaml's {@code topics:} list: name, validation and the score block to apply
   * (from {@link ScoreGuard}). The same object is the body of {@code PUT /v1/topics/{name}}.
   */
  public Map<String, Object> topicEntry(TopicClusterSpec.Topic t, ScoreGuard.Decision scores) {
    return topicEntry(t, scores, topicParamsFromSpec().get(t.name));
  }

  /**
   * @param mesh the topic's own parameters (its {@code mesh}: every degree member, so the node's
   *     parameters do not matter), or null when it runs the node's
   */
  public Map<String, Object> topicEntry(TopicClusterSpec.Topic t, ScoreGuard.Decision scores, GossipParams mesh) {
    Map<String, Object> topic = new LinkedHashMap<>();
    topic.put("name", t.name);
    topic.put("validation", String.valueOf(t.validation));
    Map<String, Object> score = scores.scores().get(t.name);
    if (score != null) {
      topic.put("score", score);
    }
    if (mesh != null) {
      Map<String, Object> degrees = new LinkedHashMap<>();
      mesh.toMeshJson().fields().forEachRemaining(e -> degrees.put(e.getKey(), e.getValue().intValue()));
      topic.put("mesh", degrees);
    }
    return topic;
  }

  /** Every topic's entry, in spec order, with the spec's per-topic mesh degrees. */
  public List<Map<String, Object>> topicEntries(ScoreGuard.Decision scores) {
    return topicEntries(scores, topicParamsFromSpec());
  }

  /** Every topic's entry, in spec order; {@code topicMesh} holds the topics' own parameters. */
  public List<Map<String, Object>> topicEntries(ScoreGuard.Decision scores, Map<String, GossipParams> topicMesh) {
    List<Map<String, Object>> topics = new ArrayList<>();
    for (TopicClusterSpec.Topic t : spec.topics) {
      topics.add(topicEntry(t, scores, topicMesh.get(t.name)));
    }
    return topics;
  }

  /** Hash of the restart-requiring configuration; topics and live parameters do not contribute. */
  public String configHash() {
    return Hashing.sha256Short(YAML.asJson(staticConfig()));
  }

  /** {@code node.yaml}: the static configuration plus the current topics and live parameters. */
  public String nodeConfigYaml(GossipParams effective, ScoreGuard.Decision scores) {
    return nodeConfigYaml(effective, scores, topicParamsFromSpec());
  }

  /** {@code node.yaml} with the topics' own (tuned) parameters. */
  public String nodeConfigYaml(GossipParams effective, ScoreGuard.Decision scores, Map<String, GossipParams> topicMesh) {
    Map<String, Object> config = new LinkedHashMap<>();
    Map<String, Object> stat = staticConfig();
    config.put("cluster", stat.get("cluster"));
    config.put("namespace", stat.get("namespace"));
    config.put("discovery", stat.get("discovery"));
    config.put("topics", topicEntries(scores, topicMesh));
    config.put("thresholds", stat.get("thresholds"));
    config.put("params", YAML.convertValue(effective.toJson(), Map.class));
    return "# topicmesh node configuration, written by the operator; topics and params are also applied live\n"
        + YAML.asYaml(config);
  }

  public ConfigMap configMap(GossipParams effective, ScoreGuard.Decision scores) {
    return configMap(effective, scores, topicParamsFromSpec());
  }

  public ConfigMap configMap(GossipParams effective, ScoreGuard.Decision scores, Map<String, GossipParams> topicMesh) {
    return new ConfigMapBuilder().withMetadata(meta(configMapName()))
        .addToData(CONFIG_FILE, nodeConfigYaml(effective, scores, topicMesh)).build();
  }

  private List<ServicePort> ports() {
    return List.of(
        new ServicePortBuilder().withName("p2p").withPort(P2P_PORT).withTargetPort(new IntOrString("p2p"))
            .withProtocol("TCP").build(),
        new ServicePortBuilder().withName("admin").withPort(ADMIN_PORT).withTargetPort(new IntOrString("admin"))
            .withProtocol("TCP").build());
  }

  /** Discovery: one DNS record and EndpointSlice entry per pod, ready or not. */
  public Service headlessService() {
    ObjectMeta meta = meta(headlessServiceName());
    meta.getLabels().put("topicmesh.io/service", "nodes");
    return new ServiceBuilder().withMetadata(meta).withNewSpec().withClusterIP("None")
        .withPublishNotReadyAddresses(true).withSelector(selectorLabels()).withPorts(ports()).endSpec().build();
  }

  public Service clientService() {
    ObjectMeta meta = meta(name);
    meta.getLabels().put("topicmesh.io/service", "client");
    return new ServiceBuilder().withMetadata(meta).withNewSpec().withType("ClusterIP")
        .withSelector(selectorLabels()).withPorts(ports()).endSpec().build();
  }

  public PodDisruptionBudget podDisruptionBudget() {
    return new PodDisruptionBudgetBuilder().withMetadata(meta(name)).withNewSpec()
        .withMaxUnavailable(new IntOrString(spec.rollout.maxUnavailable))
        .withNewSelector().withMatchLabels(selectorLabels()).endSelector().endSpec().build();
  }

  /** The admin-token Secret holding a token the reconciler generated once. */
  public Secret adminTokenSecret(String token) {
    return tokenSecret("admin", token);
  }

  /** The Secret of one scope's token (key {@code token}), generated once by the reconciler. */
  public Secret tokenSecret(String scope, String token) {
    ObjectMeta meta = meta(tokenSecretName(scope));
    meta.getLabels().put("topicmesh.io/token-scope", scope);
    return new SecretBuilder().withMetadata(meta).withType("Opaque")
        .addToData(TOKEN_FILE, Base64.getEncoder().encodeToString(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .build();
  }

  /** The operator's CA for this cluster (mode Operator). */
  public Secret adminCaSecret(AdminCertificates.Pair ca) {
    return new SecretBuilder().withMetadata(meta(adminCaSecretName())).withType("Opaque")
        .addToData(CA_CERT, b64(ca.certPem())).addToData(CA_KEY, b64(ca.keyPem())).build();
  }

  /** The serving certificate the operator issued (mode Operator), with the CA that signed it. */
  public Secret adminTlsSecret(AdminCertificates.Pair serving, String caPem) {
    return new SecretBuilder().withMetadata(meta(adminTlsSecretName())).withType("kubernetes.io/tls")
        .addToData(TLS_CERT, b64(serving.certPem())).addToData(TLS_KEY, b64(serving.keyPem()))
        .addToData(CA_CERT, b64(caPem)).build();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The optional NetworkPolicy of the nodes: the p2p port from this cluster's pods only; the admin
   * port from the operator's pods and the listed namespaces only. Egress is not restricted.
   *
   * @param operatorNamespace the operator's namespace
   * @param operatorLabels labels selecting the operator's pods
   */
  public io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy networkPolicy(String operatorNamespace,
      Map<String, String> operatorLabels) {
    var adminFrom = new ArrayList<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer>();
    adminFrom.add(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder()
        .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", operatorNamespace).endNamespaceSelector()
        .withNewPodSelector().withMatchLabels(operatorLabels).endPodSelector().build());
    for (String ns : security().networkPolicy.adminFromNamespaces) {
      adminFrom.add(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder()
          .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", ns).endNamespaceSelector().build());
    }
    return new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder().withMetadata(meta(name))
        .withNewSpec()
        .withNewPodSelector().withMatchLabels(selectorLabels()).endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(P2P_PORT)).endPort()
        .addNewFrom().withNewPodSelector().withMatchLabels(selectorLabels()).endPodSelector().endFrom()
        .endIngress()
        .addNewIngress()
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(ADMIN_PORT)).endPort()
        .withFrom(adminFrom)
        .endIngress()
        .endSpec().build();
  }

  /** The identity Secret of one ordinal, holding the libp2p protobuf private key. */
  public Secret identitySecret(int ordinal, NodeIdentity identity) {
    ObjectMeta meta = meta(identitySecretName(ordinal));
    meta.getLabels().put(ORDINAL_LABEL, Integer.toString(ordinal));
    meta.setAnnotations(Map.of(PEER_ID_ANNOTATION, identity.peerId()));
    return new SecretBuilder().withMetadata(meta).withType("Opaque")
        .addToData(KEY_FILE, Base64.getEncoder().encodeToString(identity.privateKeyProtobuf())).build();
  }

  /** A ServiceMonitor (monitoring.coreos.com/v1) scraping every node's /metrics through the headless Service. */
  public GenericKubernetesResource serviceMonitor() {
    ObjectMeta meta = meta(name);
    if (spec.metrics.labels != null) {
      meta.getLabels().putAll(spec.metrics.labels);
    }
    Map<String, Object> endpoint = new LinkedHashMap<>();
    endpoint.put("port", "admin");
    endpoint.put("path", "/metrics");
    if (adminTls()) {
      endpoint.put("scheme", "https");
      endpoint.put("tlsConfig", Map.of("ca", Map.of("secret", Map.of("name", adminTlsSecretName(), "key", CA_CERT)),
          "serverName", headlessServiceName() + "." + namespace + ".svc"));
    }
    if (Boolean.TRUE.equals(security().protectMetrics)) {
      endpoint.put("bearerTokenSecret", Map.of("name", tokenSecretName("status"), "key", TOKEN_FILE));
    }
    endpoint.put("interval", "30s");
    // Node series carry the TopicCluster's name as `cluster`, which the dashboards and alerts group by.
    endpoint.put("relabelings", List.of(Map.of(
        "sourceLabels", List.of("__meta_kubernetes_service_label_app_kubernetes_io_instance"),
        "targetLabel", "cluster")));
    Map<String, Object> selector = new LinkedHashMap<>(selectorLabels());
    selector.put("topicmesh.io/service", "nodes");
    Map<String, Object> monitorSpec = new LinkedHashMap<>();
    monitorSpec.put("selector", Map.of("matchLabels", selector));
    monitorSpec.put("endpoints", List.of(endpoint));
    return new GenericKubernetesResourceBuilder().withApiVersion("monitoring.coreos.com/v1").withKind("ServiceMonitor")
        .withMetadata(meta).withAdditionalProperties(Map.of("spec", monitorSpec)).build();
  }

  /**
   * The StatefulSet with {@code updateStrategy: OnDelete}: the operator decides when a pod is
   * replaced. {@code replicas} is the count the reconciler wants now (it steps scale-downs).
   */
  public StatefulSet statefulSet(int replicas) {
    return new StatefulSetBuilder().withMetadata(meta(name)).withNewSpec()
        .withReplicas(replicas)
        .withServiceName(headlessServiceName())
        .withPodManagementPolicy("Parallel")
        .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
        .withNewSelector().withMatchLabels(selectorLabels()).endSelector()
        .withTemplate(podTemplate(replicas))
        .endSpec().build();
  }

  /** The pod template, annotated with the config hash and the template hash. */
  public PodTemplateSpec podTemplate(int replicas) {
    PodTemplateSpec template = podTemplateWithoutHash(replicas);
    template.getMetadata().getAnnotations().put(TEMPLATE_HASH_ANNOTATION, templateHash());
    return template;
  }

  /**
   * Hash of the pod template as it would be with no identity sources: the projected identity
   * volume grows with the replica count, which must not restart existing pods (each already has
   * its own key).
   */
  public String templateHash() {
    return Hashing.sha256Short(YAML.asJson(podTemplateWithoutHash(0)));
  }

  private PodTemplateSpec podTemplateWithoutHash(int replicas) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(CONFIG_HASH_ANNOTATION, configHash());
    List<VolumeProjection> identities = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      identities.add(new VolumeProjectionBuilder().withNewSecret().withName(identitySecretName(i))
          .addNewItem().withKey(KEY_FILE).withPath(podName(i) + "/" + KEY_FILE).withMode(0400).endItem()
          .endSecret().build());
    }
    TopicClusterSpec.Scheduling scheduling = spec.scheduling == null ? new TopicClusterSpec.Scheduling() : spec.scheduling;
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels()).withAnnotations(annotations).endMetadata()
        .withNewSpec()
        .withServiceAccountName(serviceAccountName())
        .withAutomountServiceAccountToken(true)
        .withTerminationGracePeriodSeconds(30L)
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(NODE_UID).withRunAsGroup(NODE_UID)
        .withFsGroup(NODE_UID).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .withNodeSelector(scheduling.nodeSelector)
        .withTolerations(scheduling.tolerations)
        .withAffinity(scheduling.affinity)
        .withTopologySpreadConstraints(scheduling.topologySpreadConstraints)
        .withContainers(nodeContainer())
        .addNewVolume().withName("config").withNewConfigMap().withName(configMapName()).endConfigMap().endVolume()
        .addNewVolume().withName("admin-token").withNewProjected().withSources(tokenSources()).withDefaultMode(0400)
        .endProjected().endVolume()
        .addNewVolume().withName("identity").withNewProjected().withSources(identities).endProjected().endVolume()
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .addAllToVolumes(adminTls() ? List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("admin-tls")
            .withNewSecret().withSecretName(adminTlsSecretName()).withDefaultMode(0400)
            .addNewItem().withKey(TLS_CERT).withPath(TLS_CERT).endItem()
            .addNewItem().withKey(TLS_KEY).withPath(TLS_KEY).endItem()
            .endSecret().build()) : List.of())
        .endSpec().build();
  }

  /** Every scope's token Secret, as one file per scope: token (admin), publish-token, subscribe-token, status-token. */
  private List<VolumeProjection> tokenSources() {
    List<VolumeProjection> sources = new ArrayList<>();
    sources.add(new VolumeProjectionBuilder().withNewSecret().withName(adminTokenSecretName())
        .addNewItem().withKey(TOKEN_FILE).withPath(TOKEN_FILE).endItem().endSecret().build());
    for (String scope : APP_SCOPES) {
      sources.add(new VolumeProjectionBuilder().withNewSecret().withName(tokenSecretName(scope))
          .addNewItem().withKey(TOKEN_FILE).withPath(scope + "-" + TOKEN_FILE).endItem().endSecret().build());
    }
    return sources;
  }

  /** The node container: command, downward-API env, probes and a locked-down security context. */
  Container nodeContainer() {
    return new ContainerBuilder()
        .withName("node")
        .withImage(spec.image)
        .withCommand(nodeCommand())
        .withEnv(nodeEnv())
        .addNewPort().withName("p2p").withContainerPort(P2P_PORT).withProtocol("TCP").endPort()
        .addNewPort().withName("admin").withContainerPort(ADMIN_PORT).withProtocol("TCP").endPort()
        .withResources(spec.resources)
        .withStartupProbe(probe("/healthz", 2, 60, adminTls()))
        .withLivenessProbe(probe("/healthz", 10, 3, adminTls()))
        .withReadinessProbe(probe("/readyz", 5, 2, adminTls()))
        .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
        .withRunAsNonRoot(true).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .addNewVolumeMount().withName("config").withMountPath("/etc/topicmesh").withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("admin-token").withMountPath("/var/run/topicmesh/admin").withReadOnly(true)
        .endVolumeMount()
        // Every pod's volume holds the keys of all ordinals; the container sees only its own directory.
        .addNewVolumeMount().withName("identity").withMountPath("/var/run/topicmesh/identity")
        .withSubPathExpr("$(POD_NAME)").withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .addAllToVolumeMounts(adminTls() ? List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
            .withName("admin-tls").withMountPath(TLS_DIR).withReadOnly(true).build()) : List.of())
        .build();
  }

  /** Downward-API identity, and the scoped token files and metrics protection for the node's config loader. */
  private List<EnvVar> nodeEnv() {
    List<EnvVar> env = new ArrayList<>(List.of(env("POD_IP", "status.podIP"), env("POD_NAME", "metadata.name"),
        env("POD_NAMESPACE", "metadata.namespace")));
    for (String scope : APP_SCOPES) {
      env.add(new EnvVarBuilder().withName("TOPICMESH_ADMIN_" + scope.toUpperCase(java.util.Locale.ROOT) + "_TOKEN_FILE")
          .withValue(TOKEN_DIR + "/" + scope + "-" + TOKEN_FILE).build());
    }
    if (Boolean.TRUE.equals(security().protectMetrics)) {
      env.add(new EnvVarBuilder().withName("TOPICMESH_ADMIN_PROTECT_METRICS").withValue("true").build());
    }
    return env;
  }

  public List<String> nodeCommand() {
    List<String> command = new ArrayList<>(List.of("java", "-jar", "/app/topicmesh-node.jar", "run",
        "--listen", "/ip4/0.0.0.0/tcp/" + P2P_PORT,
        "--admin-listen", "0.0.0.0:" + ADMIN_PORT,
        "--admin-token-file", TOKEN_DIR + "/" + TOKEN_FILE,
        "--key-file", "/var/run/topicmesh/identity/" + KEY_FILE,
        "--config", "/etc/topicmesh/" + CONFIG_FILE,
        "--discovery", "k8s:" + headlessServiceName()));
    if (adminTls()) {
      command.addAll(List.of("--admin-tls-cert-file", TLS_DIR + "/" + TLS_CERT,
          "--admin-tls-key-file", TLS_DIR + "/" + TLS_KEY));
    }
    return command;
  }

  private static EnvVar env(String name, String fieldPath) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(fieldPath)
        .endFieldRef().endValueFrom().build();
  }

  /** An HTTP(S) probe; the kubelet does not verify the certificate of an HTTPS probe. */
  private static Probe probe(String path, int periodSeconds, int failureThreshold, boolean tls) {
    return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString("admin"))
        .withScheme(tls ? "HTTPS" : "HTTP").endHttpGet()
        .withPeriodSeconds(periodSeconds).withFailureThreshold(failureThreshold).withTimeoutSeconds(2).build();
  }
}
