package io.topicmesh.node.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiscoverySpecTest {
  @Test
  void eachKindParsesIntoItsTypedValue() {
    assertThat(DiscoverySpec.parse("static:/ip4/127.0.0.1/tcp/4001"))
        .isEqualTo(new DiscoverySpec.Static("static:/ip4/127.0.0.1/tcp/4001", Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")));
    assertThat(DiscoverySpec.parse("dns:nodes.tm.svc"))
        .isEqualTo(new DiscoverySpec.Dns("dns:nodes.tm.svc", "nodes.tm.svc", false, OptionalInt.empty()));
    assertThat(DiscoverySpec.parse("dns:nodes:4002"))
        .isEqualTo(new DiscoverySpec.Dns("dns:nodes:4002", "nodes", false, OptionalInt.of(4002)));
    assertThat(DiscoverySpec.parse("dnssrv:_p2p._tcp.nodes"))
        .isEqualTo(new DiscoverySpec.Dns("dnssrv:_p2p._tcp.nodes", "_p2p._tcp.nodes", true, OptionalInt.empty()));
    assertThat(DiscoverySpec.parse("k8s:demo-nodes"))
        .isEqualTo(new DiscoverySpec.Kubernetes("k8s:demo-nodes", "demo-nodes", OptionalInt.empty()));
    assertThat(DiscoverySpec.parse("k8s:demo-nodes:65535"))
        .isEqualTo(new DiscoverySpec.Kubernetes("k8s:demo-nodes:65535", "demo-nodes", OptionalInt.of(65535)));
  }

  @Test
  void theTextAsGivenIsKeptForStatusAndLogs() {
    DiscoverySpec d = DiscoverySpec.parse("k8s:demo-nodes:4001");
    assertThat(d.spec()).isEqualTo("k8s:demo-nodes:4001");
    assertThat(d).hasToString("k8s:demo-nodes:4001");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      carrier-pigeon:x          | discovery=carrier-pigeon:x: static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>]
      k8s                       | discovery=k8s: static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>]
      dns:bad name              | discovery=dns:bad name: static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>]
      k8s:nodes:70000           | discovery=k8s:nodes:70000: the port must be 1-65535 (static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>])
      dns:nodes:0               | discovery=dns:nodes:0: the port must be 1-65535 (static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>])
      k8s:nodes:                | discovery=k8s:nodes:: static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>]
      """)
  void aBadEntryIsNamedWithWhatIsAllowed(String spec, String message) {
    assertThatThrownBy(() -> DiscoverySpec.parse(spec)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void aBadMultiaddrSaysWhy() {
    assertThatThrownBy(() -> DiscoverySpec.parse("static:/ip4/999.1.1.1/tcp/1")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("discovery=static:/ip4/999.1.1.1/tcp/1: static:<multiaddr>")
        .hasMessageContaining("(");
  }

  @Test
  void theLoaderParsesOnceAndKeepsTheOrder() {
    NodeConfig c = ConfigLoader.load(null, Map.of("TOPICMESH_DISCOVERY", "k8s:a,dns:b:4002,static:/ip4/127.0.0.1/tcp/1"),
        Map.of());
    assertThat(c.discovery()).extracting(d -> d.getClass().getSimpleName())
        .containsExactly("Kubernetes", "Dns", "Static");
    assertThat(c.discoverySpecs()).isEqualTo(List.of("k8s:a", "dns:b:4002", "static:/ip4/127.0.0.1/tcp/1"));
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("TOPICMESH_DISCOVERY", "k8s:a:99999"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("discovery=k8s:a:99999: the port must be 1-65535");
  }
}
