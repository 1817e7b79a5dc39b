package io.topicmesh.node.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.pubsub.router.GossipParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path tmp;

  private Path file(String name, String text) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private static ConfigException invalid(Path file, Map<String, String> env, Map<String, Object> flags) {
    try {
      ConfigLoader.load(file, env, flags);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void defaultsWithNothingGiven() {
    NodeConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.listen()).containsExactly("/ip4/127.0.0.1/tcp/4001");
    assertThat(c.muxers()).containsExactly("yamux", "mplex");
    assertThat(c.params()).isEqualTo(GossipParams.defaults());
    assertThat(c.adminListen()).isNull();
    assertThat(c.topics()).isEmpty();
    assertThat(c.maxConnections()).isEqualTo(256);
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void theOperatorsNodeYamlIsAccepted() throws Exception {
    // what operator/.../TopicClusterModel#nodeConfigYaml writes
    Path f = file("node.yaml", """
        # topicmesh node configuration, written by the operator; params are also applied live
        cluster: demo
        namespace: tm
        discovery: k8s:demo-nodes
        topics:
        - name: blocks
          validation: StrictSign
          score:
            topicWeight: 0.5
            timeInMeshQuantumMs: 2000
            meshMessageDeliveriesWeight: -0.5
            meshMessageDeliveriesThreshold: 4
            meshMessageDeliveriesActivationMs: 5000
        - name: tx
          validation: StrictSign
        thresholds:
          gossipThreshold: -10.0
          publishThreshold: -50.0
          graylistThreshold: -80.0
          acceptPxThreshold: 10.0
          opportunisticGraftThreshold: 5.0
        params:
          d: 8
          dlo: 6
          dhi: 12
          dlazy: 6
          dout: 2
          dscore: 4
          heartbeatIntervalMs: 700
          historyLength: 5
          historyGossip: 3
          fanoutTtlMs: 60000
          seenTtlMs: 120000
          floodPublish: true
          idontwantThreshold: 2048
        """);
    NodeConfig c = ConfigLoader.load(f, Map.of("POD_IP", "10.1.2.3", "POD_NAME", "demo-0"),
        Map.of("listen", List.of("/ip4/0.0.0.0/tcp/4001"), "admin.listen", "0.0.0.0:9090"));
    assertThat(c.cluster()).isEqualTo("demo");
    assertThat(c.namespace()).isEqualTo("tm");
    assertThat(c.podName()).isEqualTo("demo-0");
    assertThat(c.discoverySpecs()).containsExactly("k8s:demo-nodes");
    assertThat(c.discovery()).containsExactly(new DiscoverySpec.Kubernetes("k8s:demo-nodes", "demo-nodes", java.util.OptionalInt.empty()));
    assertThat(c.topics()).containsExactly("blocks", "tx");
    assertThat(c.topicScores()).containsOnlyKeys("blocks");
    assertThat(c.topicScores().get("blocks").topicWeight()).isEqualTo(0.5);
    assertThat(c.topicScores().get("blocks").timeInMeshQuantum()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.topicScores().get("blocks").meshMessageDeliveriesActivation()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.signaturePolicy()).isEqualTo(io.topicmesh.node.pubsub.router.SignaturePolicy.STRICT_SIGN);
    assertThat(c.params().d()).isEqualTo(8);
    assertThat(c.params().heartbeatInterval()).isEqualTo(Duration.ofMillis(700));
    assertThat(c.params().idontwantThreshold()).isEqualTo(2048);
    assertThat(c.thresholds().opportunisticGraftThreshold()).isEqualTo(5.0);
    assertThat(c.advertise()).containsExactly("/ip4/10.1.2.3/tcp/4001");
    assertThat(c.adminListen().getHostString()).isEqualTo("0.0.0.0");
    assertThat(c.adminListen().getPort()).isEqualTo(9090);
  }

  @Test
  void aTopicsMeshDegreesAreReadOverTheParams() throws Exception {
    NodeConfig c = ConfigLoader.load(file("mesh.yaml", """
        params: {d: 8, dlo: 6, dhi: 16, dlazy: 7}
        topics:
          - {name: quiet, mesh: {d: 3, dlo: 2, dhi: 4, dout: 1}}
          - {name: plain}
        """), Map.of(), Map.of());
    // the members left out (dscore, dlazy) come from params, as PUT /v1/topics/{t} merges them
    assertThat(c.topicMesh()).containsOnlyKeys("quiet");
    assertThat(c.topicMesh().get("quiet"))
        .isEqualTo(new io.topicmesh.node.pubsub.router.TopicMeshParams(3, 2, 4, 4, 1, 7));
    assertThat(c.topics()).containsExactly("quiet", "plain");
  }

  @Test
  void strictNoSignOnlyWhenEveryTopicAsksForIt() throws Exception {
    assertThat(ConfigLoader.load(file("a.yaml", "topics: [{name: a, validation: StrictNoSign}, {name: b, validation: StrictNoSign}]"),
        Map.of(), Map.of()).signaturePolicy()).isEqualTo(io.topicmesh.node.pubsub.router.SignaturePolicy.STRICT_NO_SIGN);
    assertThat(ConfigLoader.load(file("b.yaml", "topics: [{name: a, validation: StrictNoSign}, {name: b}]"),
        Map.of(), Map.of()).signaturePolicy()).isEqualTo(io.topicmesh.node.pubsub.router.SignaturePolicy.STRICT_SIGN);
  }

  @Test
  void jsonFilesWork() throws Exception {
    Path f = file("node.json", "{\"topics\": [\"a\", \"b\"], \"admin\": {\"listen\": \"127.0.0.1:9999\"}, \"params\": {\"d\": 7, \"dhi\": 14}}");
    NodeConfig c = ConfigLoader.load(f, Map.of(), Map.of());
    assertThat(c.topics()).containsExactly("a", "b");
    assertThat(c.adminListen().getPort()).isEqualTo(9999);
    assertThat(c.params().d()).isEqualTo(7);
  }

  @Test
  void flagsOverrideEnvironmentWhichOverridesTheFile() throws Exception {
    Path f = file("node.yaml", "maxConnections: 10\ntopics: [file]\nparams: {d: 7, dhi: 14}\nadmin: {listen: '127.0.0.1:1'}\n");
    Map<String, String> env = Map.of("TOPICMESH_MAX_CONNECTIONS", "20", "TOPICMESH_TOPICS", "env1,env2",
        "TOPICMESH_PARAMS_D", "8", "TOPICMESH_ADMIN_LISTEN", "127.0.0.1:2");
    NodeConfig fromEnv = ConfigLoader.load(f, env, Map.of());
    assertThat(fromEnv.maxConnections()).isEqualTo(20);
    assertThat(fromEnv.topics()).containsExactly("env1", "env2");
    assertThat(fromEnv.params().d()).isEqualTo(8);
    assertThat(fromEnv.params().dhi()).as("file keys not overridden stay").isEqualTo(14);
    assertThat(fromEnv.adminListen().getPort()).isEqualTo(2);
    NodeConfig fromFlags = ConfigLoader.load(f, env, Map.of("maxConnections", 30, "topics", List.of("flag"),
        "admin.listen", "127.0.0.1:3"));
    assertThat(fromFlags.maxConnections()).isEqualTo(30);
    assertThat(fromFlags.topics()).containsExactly("flag");
    assertThat(fromFlags.adminListen().getPort()).isEqualTo(3);
    assertThat(fromFlags.params().d()).isEqualTo(8);
  }

  @Test
  void environmentNamesFollowTheKeys() {
    assertThat(ConfigLoader.envName("admin.tokenFile")).isEqualTo("TOPICMESH_ADMIN_TOKEN_FILE");
    assertThat(ConfigLoader.envName("params.heartbeatIntervalMs")).isEqualTo("TOPICMESH_PARAMS_HEARTBEAT_INTERVAL_MS");
    assertThat(ConfigLoader.envName("admin.publishTokenFile")).isEqualTo("TOPICMESH_ADMIN_PUBLISH_TOKEN_FILE");
    assertThat(ConfigLoader.envName("admin.tlsCertFile")).isEqualTo("TOPICMESH_ADMIN_TLS_CERT_FILE");
  }

  @Test
  void scopedTokensTlsAndProtectedEndpointsComeFromTheEnvironmentAsMountedSecrets() {
    NodeConfig c = ConfigLoader.load(null, Map.of(
        "TOPICMESH_ADMIN_TOKEN_FILE", "/var/run/topicmesh/admin/token",
        "TOPICMESH_ADMIN_PUBLISH_TOKEN_FILE", "/var/run/topicmesh/publish/token",
        "TOPICMESH_ADMIN_SUBSCRIBE_TOKEN_FILE", "/var/run/topicmesh/subscribe/token",
        "TOPICMESH_ADMIN_STATUS_TOKEN_FILE", "/var/run/topicmesh/status/token",
        "TOPICMESH_ADMIN_PROTECT_METRICS", "true",
        "TOPICMESH_ADMIN_TLS_CERT_FILE", "/var/run/topicmesh/tls/tls.crt",
        "TOPICMESH_ADMIN_TLS_KEY_FILE", "/var/run/topicmesh/tls/tls.key"), Map.of());
    assertThat(c.adminTokenFile()).isEqualTo(Path.of("/var/run/topicmesh/admin/token"));
    assertThat(c.adminPublishTokenFile()).isEqualTo(Path.of("/var/run/topicmesh/publish/token"));
    assertThat(c.adminSubscribeTokenFile()).isEqualTo(Path.of("/var/run/topicmesh/subscribe/token"));
    assertThat(c.adminStatusTokenFile()).isEqualTo(Path.of("/var/run/topicmesh/status/token"));
    assertThat(c.adminProtectMetrics()).isTrue();
    assertThat(c.adminProtectHealth()).isFalse();
    assertThat(c.adminTlsCertFile()).isEqualTo(Path.of("/var/run/topicmesh/tls/tls.crt"));
    assertThat(c.adminTlsKeyFile()).isEqualTo(Path.of("/var/run/topicmesh/tls/tls.key"));
    NodeConfig d = NodeConfig.defaults();
    assertThat(d.adminPublishTokenFile()).isNull();
    assertThat(d.adminTlsCertFile()).isNull();
    assertThat(d.adminProtectMetrics()).isFalse();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      listen            | listen: [/ip4/127.0.0.1]                          | a TCP multiaddr
      listen            | listen: [not-a-multiaddr]                         | a multiaddr such as
      listen            | 'listen: []'                                      | at least one
      peers             | peers: [/ip4/127.0.0.1/tcp/1]                     | /p2p/<peer-id>
      maxConnections    | maxConnections: 0                                 | an integer in [1, 65536]
      maxConnections    | maxConnections: 99999999999                       | an integer in [1, 65536]
      maxConnections    | maxConnections: lots                              | an integer in [1, 65536]
      muxers            | muxers: [spdy]                                    | one of yamux, mplex
      discovery         | discovery: [carrier-pigeon:x]                     | static:<multiaddr>
      discovery         | 'discovery: [''dns:bad name'']'                   | dns:<name>
      admin.listen      | 'admin: {listen: nohost}'                         | host:port
      admin.listen      | 'admin: {listen: ''127.0.0.1:70000''}'            | port 0-65535
      admin.maxBodyBytes| 'admin: {maxBodyBytes: 1}'                        | an integer in [1024
      admin             | 'admin: 5'                                        | must be a mapping
      admin.tlsKeyFile  | 'admin: {tlsCertFile: /c.pem}'                    | go together
      admin.tlsCertFile | 'admin: {tlsKeyFile: /k.pem}'                     | go together
      admin.protectMetrics| 'admin: {protectMetrics: true}'                 | needs a token file
      admin.protectHealth| 'admin: {protectHealth: 2, publishTokenFile: /p}'   | true or false
      params.dlo        | 'params: {d: 4, dlo: 5}'                          | must be <= d (4)
      params.dout       | 'params: {dout: 5}'                               | must be < dlo (5)
      params.d          | 'params: {d: -1}'                                 | must be >= 0
      params.d          | 'params: {d: 6.5}'                                | must be an integer
      params.d          | 'params: {d: ''six''}'                            | must be an integer
      params.floodPublish| 'params: {floodPublish: 1}'                      | must be true or false
      params.heartbeatIntervalMs| 'params: {heartbeatIntervalMs: 0}'        | must be > 0
      params.warp       | 'params: {warp: 9}'                               | unknown parameter
      thresholds.gossipThreshold| 'thresholds: {gossipThreshold: 5}'         | must be <= 0
      topics            | 'topics: [''bad topic!'']'                        | 1 to 253 characters
      topics            | 'topics: [{validation: StrictSign}]'              | a string 'name'
      topics[t].validation | 'topics: [{name: t, validation: Loose}]'        | one of LaxNoSign
      topics[t].colour  | 'topics: [{name: t, colour: red}]'                | unknown key
      topics[t].mesh.dlo | 'topics: [{name: t, mesh: {d: 3}}]'              | must be <= d (3)
      topics[t].mesh.dhi | 'topics: [{name: t, mesh: {d: 30}}]'             | must be >= d (30)
      topics[t].mesh    | 'topics: [{name: t, mesh: 3}]'                    | a mapping of mesh degrees
      topics[t].mesh.warp | 'topics: [{name: t, mesh: {warp: 3}}]'          | unknown key; known: d, dlo
      topics[t].score   | 'topics: [{name: t, score: 5}]'                   | a mapping
      topics[t].score.topicWeight | 'topics: [{name: t, score: {topicWeight: -1}}]' | must be >= 0
      topics[t].score.meshMessageDeliveriesWeight | 'topics: [{name: t, score: {meshMessageDeliveriesWeight: 1}}]' | must be <= 0
      topics[t].score.warp | 'topics: [{name: t, score: {warp: 1}}]'         | unknown parameter
      topics[t].score.meshMessageDeliveriesThreshold | 'topics: [{name: t, score: {meshMessageDeliveriesWeight: -1}}]' | must be > 0 while meshMessageDeliveriesWeight (P3) < 0
      topics[t].score.meshMessageDeliveriesActivationMs | 'topics: [{name: t, score: {meshMessageDeliveriesWeight: -1, meshMessageDeliveriesThreshold: 2}}]' | must be >= 1s
      topics[t].score.meshFailurePenaltyDecay | 'topics: [{name: t, score: {meshFailurePenaltyWeight: -1, meshMessageDeliveriesThreshold: 2, meshMessageDeliveriesActivationMs: 5000, meshFailurePenaltyDecay: 1}}]' | must be in (0, 1)
      redial.maxMs      | 'redial: {minMs: 1000, maxMs: 500}'               | must be >= redial.minMs
      colour            | 'colour: blue'                                    | unknown key
      createKey         | 'createKey: maybe'                                | true or false
      config            | 'listen: [unclosed'                               | not valid YAML or JSON
      config            | '- a list'                                        | must be a mapping
      """)
  void invalidFilesNameFieldValueAndWhatIsAllowed(String field, String yaml, String allowed) throws Exception {
    ConfigException e = invalid(file("bad.yaml", yaml), Map.of(), Map.of());
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).startsWith(field + "=").contains(allowed);
  }

  @Test
  void invalidEnvironmentAndFlagValuesAreNamedToo() {
    assertThat(invalid(null, Map.of("TOPICMESH_PARAMS_DHI", "3"), Map.of()).getMessage())
        .isEqualTo("params.dhi=3: must be >= d (6)");
    assertThat(invalid(null, Map.of("POD_IP", "not-an-ip"), Map.of()).getMessage()).startsWith("POD_IP=not-an-ip");
    assertThat(invalid(null, Map.of(), Map.of("muxers", List.of("yamux", "quic"))).getMessage())
        .isEqualTo("muxers=quic: one of yamux, mplex");
  }

  /** Issue 15: the README promises one line for an invalid configuration; SnakeYAML's message has five. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      'listen: [\n  foo: : bar\n'                        | at line 2, column 8: while parsing a flow node: expected the node content, but found ':'
      'listen:\n  - /ip4/127.0.0.1/tcp/1\n   peers: x\n'  | at line 3, column 9: mapping values are not allowed here
      '{"listen": ["/ip4/127.0.0.1/tcp/1"], "listen": []}' | at line 1, column 46: Duplicate field 'listen'
      'params:\n  d: 6\n  d: 7\n'                         | at line 3, column 4: Duplicate field 'd'
      """)
  void aFileSyntaxErrorIsOneLineNamingTheFileLineAndColumn(String text, String where) throws Exception {
    Path f = file("syntax.yaml", text.replace("\\n", "\n"));
    ConfigException e = invalid(f, Map.of(), Map.of());
    assertThat(e.getMessage()).isEqualTo("config=" + f + ": not valid YAML or JSON " + where);
    assertThat(e.getMessage()).doesNotContain("\n");
  }

  @Test
  void aMissingOrHugeFileIsAClearError() throws Exception {
    assertThat(invalid(tmp.resolve("absent.yaml"), Map.of(), Map.of()).getMessage()).startsWith("config=")
        .contains("cannot read the file");
    Path big = tmp.resolve("big.yaml");
    Files.write(big, new byte[(int) ConfigLoader.MAX_FILE_BYTES + 1]);
    assertThat(invalid(big, Map.of(), Map.of()).getMessage()).contains("larger than");
  }

  @Test
  void anEmptyFileMeansDefaults() throws Exception {
    assertThat(ConfigLoader.load(file("empty.yaml", ""), Map.of(), Map.of()).params()).isEqualTo(GossipParams.defaults());
  }

  @Test
  void hugeValuesAreTruncatedInMessages() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("topics", List.of("x".repeat(10_000)));
    assertThat(invalid(null, Map.of(), flags).getMessage().length()).isLessThan(300);
  }

  /** Issue 15: what the multiaddr parser accepts, /ipfs/<id> included, is a peer address with an id. */
  @Test
  void peersAndDirectPeersTakeTheLegacyIpfsNameOfThePeerId() {
    String id = io.topicmesh.node.identity.PeerId.fromPublicKey(io.topicmesh.node.identity.PrivKey.generate(
        io.topicmesh.node.identity.KeyType.ED25519, new java.security.SecureRandom()).publicKey()).toString();
    NodeConfig c = ConfigLoader.load(null, Map.of(), Map.of("peers", List.of("/ip4/127.0.0.1/tcp/4001/ipfs/" + id),
        "directPeers", List.of("/ip4/127.0.0.1/tcp/4002/ipfs/" + id)));
    assertThat(c.peers()).hasSize(1);
    assertThat(c.directPeers()).hasSize(1);
    assertThat(io.topicmesh.node.multiaddr.Multiaddr.parse(c.directPeers().get(0)).peerId()).map(Object::toString).hasValue(id);
    ConfigException e = invalid(null, Map.of(), Map.of("directPeers", List.of("/ip4/127.0.0.1/tcp/4002")));
    assertThat(e.field()).isEqualTo("directPeers");
    assertThat(e.getMessage()).contains("/p2p/<peer-id>");
  }

  /** Issue 15: --ping-interval is the config key pingInterval and TOPICMESH_PING_INTERVAL, with errors. */
  @Test
  void pingIntervalIsAConfigKeyAndAnEnvironmentVariable() throws Exception {
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).pingInterval()).as("off by default").isNull();
    assertThat(ConfigLoader.load(file("ping.yaml", "pingInterval: 5s\n"), Map.of(), Map.of()).pingInterval())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(ConfigLoader.load(file("ping2.yaml", "pingInterval: 5s\n"), Map.of("TOPICMESH_PING_INTERVAL", "250ms"),
        Map.of()).pingInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(ConfigLoader.load(null, Map.of("TOPICMESH_PING_INTERVAL", "250ms"), Map.of("pingInterval", "PT2S"))
        .pingInterval()).isEqualTo(Duration.ofSeconds(2));
    for (String bad : List.of("abc", "0s", "-5s", "5", "99999m")) {
      ConfigException e = invalid(null, Map.of("TOPICMESH_PING_INTERVAL", bad), Map.of());
      assertThat(e.field()).as(bad).isEqualTo("pingInterval");
      assertThat(e.getMessage()).startsWith("pingInterval=" + bad + ": a duration such as 500ms");
    }
    assertThat(invalid(file("ping3.yaml", "pingInterval: 5\n"), Map.of(), Map.of()).field()).isEqualTo("pingInterval");
  }

  /** Issue 9: mesh probes are on every 5 s by default; probe.interval / probe.enabled, env and flags. */
  @Test
  void probesAreOnByDefaultAndConfigurableFromFileEnvironmentAndFlags() throws Exception {
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).probeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(ConfigLoader.load(file("probe.yaml", "probe:\n  interval: 2s\n"), Map.of(), Map.of()).probeInterval())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(ConfigLoader.load(file("probe2.yaml", "probe: {interval: 2s}\n"), Map.of("TOPICMESH_PROBE_INTERVAL", "750ms"),
        Map.of()).probeInterval()).isEqualTo(Duration.ofMillis(750));
    assertThat(ConfigLoader.load(null, Map.of("TOPICMESH_PROBE_INTERVAL", "750ms"), Map.of("probe.interval", "PT1S"))
        .probeInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(ConfigLoader.load(file("probe3.yaml", "probe: {enabled: false}\n"), Map.of(), Map.of()).probeInterval())
        .as("switched off").isNull();
    assertThat(ConfigLoader.load(null, Map.of("TOPICMESH_PROBE_ENABLED", "false"), Map.of()).probeInterval()).isNull();
    assertThat(ConfigLoader.load(null, Map.of("TOPICMESH_PROBE_ENABLED", "false"), Map.of("probe.enabled", true))
        .probeInterval()).isEqualTo(Duration.ofSeconds(5));
    ConfigException tooShort = invalid(null, Map.of("TOPICMESH_PROBE_INTERVAL", "50ms"), Map.of());
    assertThat(tooShort.field()).isEqualTo("probe.interval");
    assertThat(tooShort.getMessage()).contains("at least 100ms");
    assertThat(invalid(null, Map.of("TOPICMESH_PROBE_ENABLED", "maybe"), Map.of()).field()).isEqualTo("probe.enabled");
    assertThat(invalid(file("probe4.yaml", "probe: {intervall: 1s}\n"), Map.of(), Map.of()).field())
        .isEqualTo("probe.intervall");
  }

  /** Issue 9: the probe topics' prefix is the node's own. */
  @Test
  void reservedTopicsAreRefused() {
    ConfigException e = invalid(null, Map.of(), Map.of("topics", List.of("_topicmesh/probe")));
    assertThat(e.field()).isEqualTo("topics");
    assertThat(e.getMessage()).contains("reserved");
  }

  /** Issue 15: a misspelled TOPICMESH_PARAMS_* / TOPICMESH_THRESHOLDS_* variable is an error, as the same typo in a file is. */
  @Test
  void misspelledParameterVariablesAreErrors() {
    ConfigException e = invalid(null, Map.of("TOPICMESH_PARAMS_HEARTBEAT_INTERVAL", "700"), Map.of());
    assertThat(e.field()).isEqualTo("TOPICMESH_PARAMS_HEARTBEAT_INTERVAL");
    assertThat(e.getMessage()).contains("unknown variable").contains("TOPICMESH_PARAMS_HEARTBEAT_INTERVAL_MS");
    assertThat(invalid(null, Map.of("TOPICMESH_THRESHOLDS_GOSSIP", "-1"), Map.of()).getMessage())
        .contains("TOPICMESH_THRESHOLDS_GOSSIP_THRESHOLD");
    // other TOPICMESH_ variables (build caches, scripts) are not ours to judge
    assertThat(ConfigLoader.load(null, Map.of("TOPICMESH_CACHE", "/tmp/x", "TOPICMESH_PARAMS_D", "7"), Map.of()).params().d())
        .isEqualTo(7);
  }
}
