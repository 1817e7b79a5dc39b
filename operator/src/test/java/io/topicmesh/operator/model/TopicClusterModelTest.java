package io.topicmesh.operator.model;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.identity.NodeIdentity;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TopicClusterModelTest {
  private static ScoreGuard.Decision noGuard(TopicClusterModel model) {
    return ScoreGuard.decide(model.spec().topics, Map.of(), 5, null);
  }

  private static GossipParams defaults() {
    return GossipParams.fromSpec(new TopicClusterSpec.Gossipsub());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 7, 50})
  void everyObjectIsOwnedLabelledAndNamespaced(int replicas) {
    TopicClusterModel model = TopicClusterModel.from(cluster("mesh", replicas, "a", "b"));
    var objects = model.desiredObjects(defaults(), noGuard(model), replicas);
    assertThat(objects).extracting(o -> o.getKind()).containsExactly("ServiceAccount", "Role", "RoleBinding",
        "ConfigMap", "Service", "Service", "PodDisruptionBudget", "StatefulSet");
    for (HasMetadata o : objects) {
      assertThat(o.getMetadata().getNamespace()).isEqualTo("ns");
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getUid()).isEqualTo("uid-mesh");
        assertThat(ref.getController()).isTrue();
        assertThat(ref.getKind()).isEqualTo("TopicCluster");
      });
      assertThat(o.getMetadata().getLabels()).containsEntry(TopicClusterModel.INSTANCE_LABEL, "mesh")
          .containsEntry(TopicClusterModel.MANAGED_BY_LABEL, "topicmesh-operator");
    }
    StatefulSet sts = model.statefulSet(replicas);
    assertThat(sts.getSpec().getReplicas()).isEqualTo(replicas);
    assertThat(sts.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getName().equals("identity")).singleElement()
        .satisfies(v -> assertThat(v.getProjected().getSources()).hasSize(replicas));
  }

  @Test
  void statefulSetIsOnDeleteWithStableIdentitiesAndLockedDownPods() {
    TopicClusterModel model = TopicClusterModel.from(cluster("mesh", 3, "news"));
    StatefulSet sts = model.statefulSet(3);
    assertThat(sts.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(sts.getSpec().getServiceName()).isEqualTo("mesh-nodes");
    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getServiceAccountName()).isEqualTo("mesh-node");
    var c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getCommand()).containsExactly("java", "-jar", "/app/topicmesh-node.jar", "run", "--listen",
        "/ip4/0.0.0.0/tcp/4001", "--admin-listen", "0.0.0.0:9090", "--admin-token-file",
        "/var/run/topicmesh/admin/token", "--key-file", "/var/run/topicmesh/identity/key", "--config",
        "/etc/topicmesh/node.yaml", "--discovery", "k8s:mesh-nodes");
    assertThat(c.getEnv()).extracting(e -> e.getName() + "=" + (e.getValueFrom() == null ? e.getValue()
            : e.getValueFrom().getFieldRef().getFieldPath()))
        .containsExactly("POD_IP=status.podIP", "POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace",
            "TOPICMESH_ADMIN_PUBLISH_TOKEN_FILE=/var/run/topicmesh/admin/publish-token",
            "TOPICMESH_ADMIN_SUBSCRIBE_TOKEN_FILE=/var/run/topicmesh/admin/subscribe-token",
            "TOPICMESH_ADMIN_STATUS_TOKEN_FILE=/var/run/topicmesh/admin/status-token");
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
    var tokens = pod.getVolumes().stream().filter(v -> v.getName().equals("admin-token")).findFirst().orElseThrow();
    assertThat(tokens.getProjected().getSources()).extracting(s -> s.getSecret().getName() + ":"
        + s.getSecret().getItems().get(0).getPath())
        .containsExactly("mesh-admin-token:token", "mesh-publish-token:publish-token",
            "mesh-subscribe-token:subscribe-token", "mesh-status-token:status-token");
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("admin-tls"));
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getVolumeMounts()).filteredOn(m -> m.getName().equals("identity")).singleElement()
        .satisfies(m -> assertThat(m.getSubPathExpr()).isEqualTo("$(POD_NAME)"));
    var identity = pod.getVolumes().stream().filter(v -> v.getName().equals("identity")).findFirst().orElseThrow();
    assertThat(identity.getProjected().getSources()).extracting(s -> s.getSecret().getName() + ":"
        + s.getSecret().getItems().get(0).getPath())
        .containsExactly("mesh-identity-0:mesh-0/key", "mesh-identity-1:mesh-1/key", "mesh-identity-2:mesh-2/key");
    assertThat(sts.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKeys(TopicClusterModel.CONFIG_HASH_ANNOTATION, TopicClusterModel.TEMPLATE_HASH_ANNOTATION);
  }

  @Test
  void operatorManagedTlsMountsTheServingSecretAndProbesOverHttps() {
    TopicCluster cr = cluster("mesh", 3, "news");
    cr.getSpec().security.adminTls.mode = io.topicmesh.operator.api.v1alpha1.AdminTlsMode.Operator;
    cr.getSpec().security.protectMetrics = true;
    cr.getSpec().metrics.serviceMonitor = true;
    TopicClusterModel model = TopicClusterModel.from(cr);
    assertThat(model.adminTlsSecretName()).isEqualTo("mesh-admin-tls");
    PodSpec pod = model.statefulSet(3).getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(c.getCommand()).containsSubsequence("--admin-tls-cert-file", "/var/run/topicmesh/tls/tls.crt",
        "--admin-tls-key-file", "/var/run/topicmesh/tls/tls.key");
    for (var probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
      assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
    }
    assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("TOPICMESH_ADMIN_PROTECT_METRICS")
        && e.getValue().equals("true"));
    var tls = pod.getVolumes().stream().filter(v -> v.getName().equals("admin-tls")).findFirst().orElseThrow();
    // the CA's key never reaches a node: only the serving pair is mounted
    assertThat(tls.getSecret().getSecretName()).isEqualTo("mesh-admin-tls");
    assertThat(tls.getSecret().getItems()).extracting(i -> i.getKey()).containsExactly("tls.crt", "tls.key");
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getName().equals("admin-tls") && m.getReadOnly());
    @SuppressWarnings("unchecked")
    Map<String, Object> endpoint = ((List<Map<String, Object>>) ((Map<String, Object>) model.serviceMonitor()
        .getAdditionalProperties().get("spec")).get("endpoints")).get(0);
    assertThat(endpoint).containsEntry("scheme", "https")
        .containsEntry("bearerTokenSecret", Map.of("name", "mesh-status-token", "key", "token"));
    assertThat(model.templateHash()).as("TLS changes the pod template")
        .isNotEqualTo(TopicClusterModel.from(cluster("mesh", 3, "news")).templateHash());

    cr.getSpec().security.adminTls.mode = io.topicmesh.operator.api.v1alpha1.AdminTlsMode.Secret;
    cr.getSpec().security.adminTls.secretName = "mesh-cert-manager";
    assertThat(TopicClusterModel.from(cr).statefulSet(3).getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getName().equals("admin-tls") && v.getSecret().getSecretName().equals("mesh-cert-manager"));
  }

  @Test
  void networkPolicyLetsOnlyTheClusterOnP2pAndOnlyTheOperatorAndListedNamespacesOnAdmin() {
    TopicCluster cr = cluster("mesh", 3, "news");
    cr.getSpec().security.networkPolicy.enabled = true;
    cr.getSpec().security.networkPolicy.adminFromNamespaces = List.of("apps");
    var np = TopicClusterModel.from(cr).networkPolicy("topicmesh-system",
        Map.of("app.kubernetes.io/name", "topicmesh-operator"));
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(np.getSpec().getPodSelector().getMatchLabels())
        .containsEntry(TopicClusterModel.INSTANCE_LABEL, "mesh");
    var p2p = np.getSpec().getIngress().get(0);
    assertThat(p2p.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(4001));
    assertThat(p2p.getFrom()).singleElement().satisfies(f -> {
      assertThat(f.getNamespaceSelector()).isNull();
      assertThat(f.getPodSelector().getMatchLabels()).containsEntry(TopicClusterModel.INSTANCE_LABEL, "mesh");
    });
    var admin = np.getSpec().getIngress().get(1);
    assertThat(admin.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9090));
    assertThat(admin.getFrom()).hasSize(2);
    assertThat(admin.getFrom().get(0).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "topicmesh-system");
    assertThat(admin.getFrom().get(0).getPodSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/name", "topicmesh-operator");
    assertThat(admin.getFrom().get(1).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "apps");
    assertThat(admin.getFrom().get(1).getPodSelector()).isNull();
  }

  @Test
  void servicesPdbAndRbac() {
    TopicClusterModel model = TopicClusterModel.from(cluster("mesh", 3, "news"));
    var headless = model.headlessService();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(model.clientService().getSpec().getClusterIP()).isNull();
    assertThat(model.podDisruptionBudget().getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(model.role().getRules()).singleElement().satisfies(r -> {
      assertThat(r.getResources()).containsExactly("endpointslices");
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
    });
    assertThat(model.roleBinding().getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("mesh-node"));
  }

  @Test
  void onlyAChangeOfTheNodesDerivedSigningPolicyRestartsForTopics() {
    TopicCluster cr = cluster("mesh", 3, "news", "prices");
    String signing = TopicClusterModel.from(cr).configHash();
    assertThat(TopicClusterModel.from(cr).signingPolicy()).isEqualTo("sign");

    // One topic NoSign, one still signed: the node keeps signing, nothing restarts.
    cr.getSpec().topics.get(0).validation = io.topicmesh.operator.api.v1alpha1.ValidationMode.StrictNoSign;
    assertThat(TopicClusterModel.from(cr).configHash()).isEqualTo(signing);

    // Every topic NoSign: the node would stop signing, which it only decides at start.
    cr.getSpec().topics.get(1).validation = io.topicmesh.operator.api.v1alpha1.ValidationMode.LaxNoSign;
    TopicClusterModel unsigned = TopicClusterModel.from(cr);
    assertThat(unsigned.signingPolicy()).isEqualTo("none");
    assertThat(unsigned.configHash()).isNotEqualTo(signing);

    // Adding a NoSign topic to an unsigned cluster is live again.
    String none = unsigned.configHash();
    cr.getSpec().topics.add(new TopicClusterSpec.Topic("weather"));
    cr.getSpec().topics.get(2).validation = io.topicmesh.operator.api.v1alpha1.ValidationMode.StrictNoSign;
    assertThat(TopicClusterModel.from(cr).configHash()).isEqualTo(none);
  }

  @Test
  void liveParametersAndTopicsDoNotChangeTheTemplateButImageResourcesAndThresholdsDo() {
    TopicCluster cr = cluster("mesh", 3, "news");
    TopicClusterModel base = TopicClusterModel.from(cr);
    String hash = base.templateHash();
    String config = base.configHash();

    cr.getSpec().gossipsub.d = 8;
    cr.getSpec().gossipsub.dhi = 16;
    cr.getSpec().gossipsub.heartbeatIntervalMs = 700;
    TopicClusterModel live = TopicClusterModel.from(cr);
    assertThat(live.templateHash()).isEqualTo(hash);
    assertThat(live.configHash()).isEqualTo(config);
    assertThat(live.nodeConfigYaml(GossipParams.fromSpec(cr.getSpec().gossipsub), noGuard(live)))
        .contains("d: 8", "heartbeatIntervalMs: 700");
    assertThat(live.statefulSet(5).getSpec().getTemplate().getMetadata().getAnnotations()
        .get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION)).as("scaling does not restart pods").isEqualTo(hash);

    // Topics, their validation and score parameters are pushed live (PUT /v1/topics/{t}): no restart.
    cr.getSpec().topics.add(new TopicClusterSpec.Topic("weather"));
    cr.getSpec().topics.get(0).validation = io.topicmesh.operator.api.v1alpha1.ValidationMode.LaxSign;
    cr.getSpec().topics.get(0).score = new TopicClusterSpec.TopicScore();
    cr.getSpec().topics.get(0).score.topicWeight = 2.0;
    TopicClusterModel withTopics = TopicClusterModel.from(cr);
    assertThat(withTopics.configHash()).isEqualTo(config);
    assertThat(withTopics.templateHash()).isEqualTo(hash);
    assertThat(withTopics.nodeConfigYaml(GossipParams.fromSpec(cr.getSpec().gossipsub), noGuard(withTopics)))
        .as("still written for restarted pods").contains("name: \"weather\"", "validation: \"LaxSign\"", "topicWeight: 2.0");

    cr.getSpec().gossipsub.thresholds.gossipThreshold = -20.0;
    assertThat(TopicClusterModel.from(cr).configHash()).isNotEqualTo(config);
    assertThat(TopicClusterModel.from(cr).templateHash()).isNotEqualTo(hash);

    TopicCluster image = cluster("mesh", 3, "news");
    image.getSpec().image = "registry.example/topicmesh/node:1.1";
    assertThat(TopicClusterModel.from(image).templateHash()).isNotEqualTo(hash);

    TopicCluster resources = cluster("mesh", 3, "news");
    resources.getSpec().resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("512Mi")).build();
    assertThat(TopicClusterModel.from(resources).templateHash()).isNotEqualTo(hash);
  }

  @Test
  void nodeConfigCarriesTopicsScoringThresholdsAndParams() {
    TopicCluster cr = cluster("mesh", 3, "news");
    TopicClusterSpec.Topic prices = new TopicClusterSpec.Topic("prices");
    prices.validation = io.topicmesh.operator.api.v1alpha1.ValidationMode.StrictNoSign;
    prices.score = new TopicClusterSpec.TopicScore();
    prices.score.topicWeight = 0.5;
    prices.score.invalidMessageDeliveriesWeight = -100.0;
    cr.getSpec().topics.add(prices);
    TopicClusterModel model = TopicClusterModel.from(cr);
    String yaml = model.nodeConfigYaml(GossipParams.fromSpec(cr.getSpec().gossipsub), noGuard(model));
    Map<String, Object> parsed = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
    assertThat(parsed).containsEntry("cluster", "mesh").containsEntry("discovery", "k8s:mesh-nodes");
    assertThat(parsed.get("topics").toString()).contains("name=news", "validation=StrictSign", "name=prices",
        "validation=StrictNoSign", "topicWeight=0.5", "invalidMessageDeliveriesWeight=-100.0",
        "meshMessageDeliveriesWeight=0.0", "meshFailurePenaltyWeight=0.0");
    assertThat(model.topicEntries(noGuard(model)).get(0)).as("a topic without score block gets none")
        .containsOnlyKeys("name", "validation");
    assertThat(parsed.get("thresholds").toString()).contains("gossipThreshold=-10.0");
    assertThat(parsed.get("params").toString()).contains("d=6", "dlo=5", "dhi=12", "idontwantThreshold=1024");
  }

  @Test
  void aTopicsOwnMeshDegreesGoIntoItsEntryWithEveryMemberAndLeaveTheConfigHashAlone() {
    TopicCluster cr = cluster("mesh", 3, "news", "quiet");
    String hashWithout = TopicClusterModel.from(cr).configHash();
    String templateWithout = TopicClusterModel.from(cr).templateHash();
    cr.getSpec().topics.get(1).mesh = new TopicClusterSpec.MeshDegrees(3, 2, 4);
    cr.getSpec().topics.get(1).mesh.dlazy = 2;
    TopicClusterModel model = TopicClusterModel.from(cr);
    // dout 2 and dscore 4 from gossipsub would break dout < dlo: lowered to 1, dscore 4 <= dhi 4 kept
    GossipParams quiet = model.topicParamsFromSpec().get("quiet");
    assertThat(quiet.toMeshJson().toString()).isEqualTo("{\"d\":3,\"dlo\":2,\"dhi\":4,\"dscore\":4,\"dout\":1,\"dlazy\":2}");
    assertThat(model.topicParamsFromSpec()).containsOnlyKeys("quiet");
    var entries = model.topicEntries(noGuard(model));
    assertThat(entries.get(0)).as("a topic without mesh block runs the node's degrees").containsOnlyKeys("name",
        "validation");
    assertThat(entries.get(1)).containsEntry("mesh", Map.of("d", 3, "dlo", 2, "dhi", 4, "dscore", 4, "dout", 1,
        "dlazy", 2));
    assertThat(model.nodeConfigYaml(GossipParams.fromSpec(cr.getSpec().gossipsub), noGuard(model)))
        .contains("mesh:", "dlazy: 2");
    // live, like the other topic settings: no restart of the pods
    assertThat(model.configHash()).isEqualTo(hashWithout);
    assertThat(model.templateHash()).isEqualTo(templateWithout);
    // a tuned topic's parameters replace the spec's in node.yaml (new pods start with them)
    GossipParams tuned = quiet.withMesh(2, 1, 4, 2, 0, 4);
    assertThat(model.nodeConfigYaml(GossipParams.fromSpec(cr.getSpec().gossipsub), noGuard(model),
        Map.of("quiet", tuned))).contains("d: 2", "dlo: 1");
  }

  @Test
  void operatorAndNodeAgreeOnTheMeshInvariants() {
    GossipParams base = GossipParams.fromSpec(new TopicClusterSpec.Gossipsub());
    // the node's TopicMeshParams.checkDegrees words, member by member
    assertThatThrownBy(() -> base.withMesh(4, 5, 8, 6, 2, 4)).hasMessage("dlo=5: must be <= d (4)");
    assertThatThrownBy(() -> base.withMesh(9, 5, 8, 6, 2, 4)).hasMessage("dhi=8: must be >= d (9)");
    assertThatThrownBy(() -> base.withMesh(6, 2, 8, 6, 2, 4)).hasMessage("dout=2: must be < dlo (2)");
    assertThatThrownBy(() -> base.withMesh(3, 3, 8, 6, 2, 4)).hasMessage("dout=2: must be <= d/2 (1)");
    assertThatThrownBy(() -> base.withMesh(6, 5, 8, 6, 2, 9)).hasMessage("dscore=9: must be <= dhi (8)");
    assertThatThrownBy(() -> base.withMesh(6, 0, 8, 6, 0, 4))
        .hasMessage("dlo=0: must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
    // the members beyond the degrees, named as the wire names them
    assertThatThrownBy(() -> new GossipParams(6, 5, 12, 6, 2, 4, 0, 5, 3, 60000, 120000, true, 1024))
        .hasMessage("heartbeatIntervalMs=0: must be > 0");
    assertThatThrownBy(() -> new GossipParams(6, 5, 12, 6, 2, 4, 1000, 5, 6, 60000, 120000, true, 1024))
        .hasMessage("historyGossip=6: must be in [1, historyLength (5)]");
    assertThatThrownBy(() -> new GossipParams(6, 5, 12, 6, 2, 4, 1000, 5, 3, 60000, 120000, true, -1))
        .hasMessage("idontwantThreshold=-1: must be >= 0");
  }

  /** Issue 14: a bootstrapper (no mesh) is a valid parameter set here as at the node (spec v1.1). */
  @Test
  void aBootstrapperClusterIsValidAndHalfOfOneIsRefusedWithTheNodesWords() {
    TopicCluster cr = cluster("boot", 3, "news");
    var g = cr.getSpec().gossipsub;
    g.d = 0;
    g.dlo = 0;
    g.dhi = 0;
    g.dout = 0;
    g.dscore = 0;
    TopicClusterModel model = TopicClusterModel.from(cr);
    assertThat(GossipParams.fromSpec(g).toJson().get("d").asInt()).isZero();
    assertThat(model.nodeConfigYaml(GossipParams.fromSpec(g), noGuard(model))).contains("d: 0");
    GossipParams base = GossipParams.fromSpec(new TopicClusterSpec.Gossipsub());
    assertThat(base.withDegrees(0, 0, 0).sameMesh(GossipParams.fromSpec(g))).isTrue();

    g.dhi = 4;
    assertThatThrownBy(() -> TopicClusterModel.from(cr)).isInstanceOf(InvalidSpecException.class)
        .hasMessage("spec.gossipsub.dlo=0: must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
  }

  @Test
  void schedulingKnobsReachThePodTemplate() {
    TopicCluster cr = cluster("mesh", 3, "news");
    cr.getSpec().scheduling = new TopicClusterSpec.Scheduling();
    cr.getSpec().scheduling.nodeSelector = Map.of("disk", "ssd");
    cr.getSpec().scheduling.tolerations = java.util.List.of(new TolerationBuilder().withKey("dedicated")
        .withOperator("Exists").withEffect("NoSchedule").build());
    PodSpec pod = TopicClusterModel.from(cr).statefulSet(3).getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("disk", "ssd");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
  }

  @Test
  void secretsCarryTheKeyAndTheToken() {
    TopicClusterModel model = TopicClusterModel.from(cluster("mesh", 1, "news"));
    NodeIdentity id = NodeIdentity.generate(new SecureRandom());
    var secret = model.identitySecret(0, id);
    assertThat(secret.getMetadata().getName()).isEqualTo("mesh-identity-0");
    assertThat(secret.getMetadata().getAnnotations()).containsEntry(TopicClusterModel.PEER_ID_ANNOTATION, id.peerId());
    byte[] key = Base64.getDecoder().decode(secret.getData().get("key"));
    assertThat(NodeIdentity.fromPrivateKeyProtobuf(key).peerId()).isEqualTo(id.peerId());
    assertThat(new String(Base64.getDecoder().decode(model.adminTokenSecret("s3cret").getData().get("token"))))
        .isEqualTo("s3cret");
  }

  @Test
  void serviceMonitorSelectsTheHeadlessService() {
    TopicCluster cr = cluster("mesh", 3, "news");
    cr.getSpec().metrics.labels = Map.of("release", "prom");
    var model = TopicClusterModel.from(cr);
    var sm = model.serviceMonitor();
    assertThat(sm.getKind()).isEqualTo("ServiceMonitor");
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) sm.getAdditionalProperties().get("spec");
    assertThat(spec.toString()).contains("topicmesh.io/service=nodes", "port=admin", "path=/metrics");
    // Node series carry the TopicCluster's name as `cluster`: the Service's instance label, relabelled.
    @SuppressWarnings("unchecked")
    Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
    assertThat(endpoint.get("relabelings")).isEqualTo(List.of(Map.of(
        "sourceLabels", List.of("__meta_kubernetes_service_label_app_kubernetes_io_instance"),
        "targetLabel", "cluster")));
    assertThat(model.headlessService().getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "mesh");
    assertThat(model.headlessService().getMetadata().getLabels()).containsEntry("topicmesh.io/service", "nodes");
  }

  @Test
  void specsThatCannotBeRealisedAreReportedWithAReason() {
    TopicCluster longName = cluster("a".repeat(41), 3);
    assertThatThrownBy(() -> TopicClusterModel.from(longName)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> assertThat(e.reason()).isEqualTo("NameTooLong"));
    TopicCluster badImage = cluster("mesh", 3);
    badImage.getSpec().image = "Not An Image";
    assertThatThrownBy(() -> TopicClusterModel.from(badImage)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> assertThat(e.reason()).isEqualTo("InvalidImage"));
    TopicCluster badParams = cluster("mesh", 3);
    badParams.getSpec().gossipsub.dout = 5;
    assertThatThrownBy(() -> TopicClusterModel.from(badParams)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> {
          assertThat(e.reason()).isEqualTo("InvalidGossipsubParameters");
          assertThat(e.getMessage()).isEqualTo("spec.gossipsub.dout=5: must be < dlo (5)");
        });
    TopicCluster badTopicMesh = cluster("mesh", 3, "news", "prices");
    badTopicMesh.getSpec().topics.get(1).mesh = new TopicClusterSpec.MeshDegrees(4, 3, 8);
    badTopicMesh.getSpec().topics.get(1).mesh.dout = 3;
    assertThatThrownBy(() -> TopicClusterModel.from(badTopicMesh)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> {
          assertThat(e.reason()).isEqualTo("InvalidTopicMeshParameters");
          assertThat(e.getMessage()).isEqualTo("spec.topics[prices].mesh.dout=3: must be < dlo (3)");
        });
    TopicCluster missingD = cluster("mesh", 3, "news");
    missingD.getSpec().topics.get(0).mesh = new TopicClusterSpec.MeshDegrees();
    missingD.getSpec().topics.get(0).mesh.dlo = 2;
    assertThatThrownBy(() -> TopicClusterModel.from(missingD)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> assertThat(e.getMessage()).isEqualTo("spec.topics[news].mesh: d, dlo and dhi are required, got d=null"
            + " dlo=2 dhi=null"));
    TopicCluster outOfBounds = cluster("mesh", 3, "news");
    outOfBounds.getSpec().tuning.mode = TuningMode.Auto;
    outOfBounds.getSpec().topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(20, 15, 30);
    assertThatThrownBy(() -> TopicClusterModel.from(outOfBounds)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> assertThat(e.getMessage()).isEqualTo("spec.topics[news].mesh.d=20: must lie within tuning.bounds [3, 12]"
            + " when tuning.mode is Auto"));
    TopicCluster badResources = cluster("mesh", 3);
    badResources.getSpec().resources = new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("2"))
        .addToLimits("cpu", new Quantity("500m")).build();
    assertThatThrownBy(() -> TopicClusterModel.from(badResources)).isInstanceOfSatisfying(InvalidSpecException.class,
        e -> assertThat(e.reason()).isEqualTo("InvalidResources"));
  }

  @Test
  void aNegativeP3WeightNeedsThresholdActivationAndDecay() {
    TopicCluster cr = cluster("mesh", 3, "news");
    TopicClusterSpec.TopicScore score = new TopicClusterSpec.TopicScore();
    cr.getSpec().topics.get(0).score = score;
    score.meshMessageDeliveriesWeight = -1.0;
    assertThatThrownBy(() -> TopicClusterModel.from(cr)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.topics[news].score").hasMessageContaining("meshMessageDeliveriesThreshold")
        .satisfies(e -> assertThat(((InvalidSpecException) e).reason()).isEqualTo("InvalidScoreParameters"));
    score.meshMessageDeliveriesThreshold = 4.0;
    score.meshMessageDeliveriesDecay = 0.9;
    score.meshMessageDeliveriesActivationMs = 500L;
    assertThatThrownBy(() -> TopicClusterModel.from(cr)).hasMessageContaining("meshMessageDeliveriesActivationMs must be >= 1000");
    score.meshMessageDeliveriesActivationMs = 10_000L;
    score.meshMessageDeliveriesDecay = 1.0;
    assertThatThrownBy(() -> TopicClusterModel.from(cr)).hasMessageContaining("meshMessageDeliveriesDecay must be in (0, 1)");
    score.meshMessageDeliveriesDecay = 0.9;
    score.meshMessageDeliveriesCap = 2.0;
    assertThatThrownBy(() -> TopicClusterModel.from(cr)).hasMessageContaining("below meshMessageDeliveriesThreshold");
    score.meshMessageDeliveriesCap = 40.0;
    assertThat(TopicClusterModel.from(cr)).isNotNull();
    score.meshMessageDeliveriesWeight = 0.0;
    score.meshMessageDeliveriesThreshold = null;
    assertThat(TopicClusterModel.from(cr)).as("weight 0: P3 off, nothing else needed").isNotNull();
  }
}
