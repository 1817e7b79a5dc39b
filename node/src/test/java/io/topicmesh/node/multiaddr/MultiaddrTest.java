package io.topicmesh.node.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiaddrTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String QM = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";

  @ParameterizedTest
  @CsvSource({
    "/ip4/127.0.0.1/tcp/4001, 047f000001060fa1",
    "/ip4/0.0.0.0/tcp/0, 040000000006" + "0000",
    "/ip4/255.255.255.255/tcp/65535, 04ffffffff06ffff",
    "/ip6/::1/tcp/80, 29000000000000000000000000000000010600" + "50",
    "/ip6/2001:db8::ff00:42:8329/tcp/443, 2920010db8000000000000ff00004283290601bb",
    "/ip6/::ffff:1.2.3.4/tcp/1, 2900000000000000000000ffff01020304060001",
    "/dns4/example.com/tcp/443, 360b6578616d706c652e636f6d0601bb",
    "/dns6/ex.org/tcp/1, 3706" + "65782e6f7267060001",
    "/dns/a/tcp/1, 350161060001",
    "/p2p/" + QM + ", a503221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b",
    "/ip4/1.2.3.4/tcp/4001/p2p/" + QM
        + ", 0401020304060fa1a503221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b"
  })
  void knownVectors(String text, String hex) {
    Multiaddr fromText = Multiaddr.parse(text);
    assertThat(HEX.formatHex(fromText.bytes())).isEqualTo(hex);
    Multiaddr fromBytes = Multiaddr.fromBytes(HEX.parseHex(hex));
    assertThat(fromBytes.toString()).isEqualTo(text);
    assertThat(fromBytes).isEqualTo(fromText).hasSameHashCodeAs(fromText);
  }

  @ParameterizedTest
  @CsvSource({
    "/ipfs/" + QM + ", /p2p/" + QM,
    "/ip4/1.2.3.4/tcp/80/, /ip4/1.2.3.4/tcp/80",
    "/ip6/0:0:0:0:0:0:0:1/tcp/1, /ip6/::1/tcp/1",
    "/ip6/2001:DB8:0:0:1:0:0:1/tcp/1, /ip6/2001:db8::1:0:0:1/tcp/1",
    "/ip6/2001:db8:0:1:1:1:1:1/tcp/1, /ip6/2001:db8:0:1:1:1:1:1/tcp/1",
    "/ip6/1:0:0:2:0:0:0:3/tcp/1, /ip6/1:0:0:2::3/tcp/1",
    "/ip6/1:0:0:2:0:0:3:4/tcp/1, /ip6/1::2:0:0:3:4/tcp/1",
    "/ip6/::/tcp/1, /ip6/::/tcp/1",
    "/ip6/1::/tcp/1, /ip6/1::/tcp/1",
    "/ip6/::0.0.1.2/tcp/1, /ip6/::102/tcp/1",
    "/ip6/1:2:3:4:5:6:7::/tcp/1, /ip6/1:2:3:4:5:6:7:0/tcp/1",
    "/ip4/1.2.3.4/tcp/00080, /ip4/1.2.3.4/tcp/80"
  })
  void textIsCanonicalised(String input, String canonical) {
    assertThat(Multiaddr.parse(input).toString()).isEqualTo(canonical);
  }

  @Test
  void cidPeerIdsAreAcceptedAndPrintedAsBase58() {
    PeerId id = PeerId.parse(QM);
    Multiaddr addr = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + id.toCid());
    assertThat(addr.toString()).isEqualTo("/ip4/1.2.3.4/tcp/1/p2p/" + QM);
    assertThat(addr.peerId()).contains(id);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''| is empty",
        "ip4/1.2.3.4| index 0: must start with '/'",
        "/| index 1: empty protocol name",
        "/ip4| /ip4 has no value",
        "/ip4/| /ip4 has no value",
        "/ip4/1.2.3.4/tcp| /tcp has no value",
        "/ip4//tcp/1| index 5: /ip4 has an empty value",
        "/ip4/1.2.3/tcp/1| index 5: invalid /ip4 value: '1.2.3' is not a dotted-quad IPv4 address",
        "/ip4/1.2.3.256/tcp/1| '1.2.3.256' is not a dotted-quad",
        "/ip4/01.2.3.4/tcp/1| not a dotted-quad",
        "/ip4/1.2.3.4.5/tcp/1| not a dotted-quad",
        "/ip4/1.2.3.-4/tcp/1| not a dotted-quad",
        "/ip4/1.2.3.4/tcp/65536| index 17: invalid /tcp value: port 65536 is greater than 65535",
        "/ip4/1.2.3.4/tcp/-1| '-1' is not a port number",
        "/ip4/1.2.3.4/tcp/+1| '+1' is not a port number",
        "/ip4/1.2.3.4/tcp/123456| '123456' is not a port number",
        "/ip4/1.2.3.4/tcp/8o| '8o' is not a port number",
        "/ip4/1.2.3.4/udp/1| index 13: unknown protocol 'udp'",
        "/ip4/1.2.3.4/tcp/1/garbage| unknown protocol 'garbage'",
        "/ip4/1.2.3.4/tcp/1//| empty protocol name",
        "/ip6/1:2:3:4:5:6:7:8:9/tcp/1| is not an IPv6 address",
        "/ip6/1::2::3/tcp/1| is not an IPv6 address",
        "/ip6/::1%eth0/tcp/1| is not an IPv6 address",
        "/ip6/[::1]/tcp/1| is not an IPv6 address",
        "/ip6/12345::/tcp/1| is not an IPv6 address",
        "/ip6/1.2.3.4::/tcp/1| is not an IPv6 address",
        "/ip6/g::/tcp/1| is not an IPv6 address",
        "/ip6/1.2.3.4/tcp/1| is not an IPv6 address",
        "/ip6/:1:2:3:4:5:6:7/tcp/1| is not an IPv6 address",
        "/ip6/1:2:3:4:5:6:7:8::/tcp/1| is not an IPv6 address",
        "/p2p/QmNotAPeerId| invalid /p2p value",
        "/p2p/bafybeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe| not libp2p-key",
      })
  void malformedTextIsRejectedSayingWhatAndWhere(String text, String expected) {
    assertThatThrownBy(() -> Multiaddr.parse(text))
        .isInstanceOf(InvalidMultiaddrException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void overlongTextAndDnsNamesAreRejected() {
    assertThatThrownBy(() -> Multiaddr.parse("/dns/" + "a".repeat(256) + "/tcp/1"))
        .hasMessageContaining("exceeds the limit 255");
    assertThatThrownBy(() -> Multiaddr.parse("/dns/a\u0001b/tcp/1"))
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> Multiaddr.parse("/tcp/1".repeat(400)))
        .hasMessageContaining("exceeds the limit " + Multiaddr.MAX_TEXT_CHARS);
    assertThatThrownBy(() -> Multiaddr.parse("/tcp/1".repeat(Multiaddr.MAX_COMPONENTS + 1)))
        .hasMessageContaining("more than " + Multiaddr.MAX_COMPONENTS + " components");
    assertThat(Multiaddr.parse("/tcp/1".repeat(Multiaddr.MAX_COMPONENTS)).components())
        .hasSize(Multiaddr.MAX_COMPONENTS);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''| is empty",
        "04| byte 1: /ip4 value needs 4 bytes but only 0 remain",
        "047f0000| byte 1: /ip4 value needs 4 bytes but only 3 remain",
        "047f000001| unused",
        "047f00000106| byte 6: /tcp value needs 2 bytes but only 0 remain",
        "047f0000010600| needs 2 bytes but only 1 remain",
        "11000000| byte 0: unsupported multiaddr protocol code 17",
        "80| byte 0: bad protocol code: input ends inside a varint",
        "8000| byte 0: bad protocol code: varint is not minimally encoded",
        "ffffffffffffffffffff| varint longer than 9 bytes",
        "35| byte 1: bad /dns value length: input ends inside a varint",
        "3505616263| byte 2: /dns value needs 5 bytes but only 3 remain",
        "35ffff03| exceeds the limit 1024",
        "3500| byte 2: invalid /dns value: DNS name is empty",
        "35022f61| DNS name contains '/'",
        "3502c328| DNS name is not valid UTF-8",
        "a503021220| byte 3: invalid /p2p value: peer id multihash declares a 32-byte digest but holds 0",
        "a50302| byte 3: /p2p value needs 2 bytes but only 0 remain",
        "a503221320d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b| not identity (0x00) or sha2-256",
        "a503201220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b| declares a 32-byte digest but holds 30 bytes",
      })
  void malformedBinaryIsRejectedSayingWhatAndWhere(String hex, String expected) {
    if ("unused".equals(expected)) {
      assertThat(Multiaddr.fromBytes(HEX.parseHex(hex)).toString()).isEqualTo("/ip4/127.0.0.1");
      return;
    }
    assertThatThrownBy(() -> Multiaddr.fromBytes(HEX.parseHex(hex)))
        .isInstanceOf(InvalidMultiaddrException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void oversizedBinaryIsRejectedBeforeParsing() {
    assertThatThrownBy(() -> Multiaddr.fromBytes(new byte[Multiaddr.MAX_BYTES + 1]))
        .hasMessageContaining("exceeds the limit");
  }

  @Test
  void peerIdHelpers() {
    PeerId a = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey());
    PeerId b = PeerId.parse(QM);
    Multiaddr transport = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001");
    assertThat(transport.peerId()).isEmpty();
    assertThat(transport.withoutPeerId()).isSameAs(transport);

    Multiaddr withA = transport.withPeerId(a);
    assertThat(withA.toString()).isEqualTo("/ip4/10.0.0.1/tcp/4001/p2p/" + a);
    assertThat(withA.peerId()).contains(a);
    Multiaddr withB = withA.withPeerId(b);
    assertThat(withB.toString()).isEqualTo("/ip4/10.0.0.1/tcp/4001/p2p/" + QM);
    assertThat(withB.withoutPeerId()).isEqualTo(transport);
    assertThat(transport.encapsulate(Multiaddr.parse("/p2p/" + QM))).isEqualTo(withB);

    assertThatThrownBy(() -> Multiaddr.parse("/p2p/" + QM).withoutPeerId())
        .isInstanceOf(InvalidMultiaddrException.class)
        .hasMessageContaining("nothing but a peer id");
  }

  @Test
  void socketAddressConversions() throws Exception {
    InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.3.7"), 4001);
    Multiaddr m4 = Multiaddr.fromTcp(v4);
    assertThat(m4.toString()).isEqualTo("/ip4/127.0.3.7/tcp/4001");
    assertThat(m4.toTcpSocketAddress()).contains(v4);
    assertThat(m4.tcpPort()).hasValue(4001);
    assertThat(m4.dnsHost()).isEmpty();

    InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
    Multiaddr m6 = Multiaddr.fromTcp(v6);
    assertThat(m6.toString()).isEqualTo("/ip6/::1/tcp/0");
    assertThat(m6.toTcpSocketAddress()).contains(v6);
    assertThat(m6.withPeerId(PeerId.parse(QM)).toTcpSocketAddress()).contains(v6);

    Multiaddr dns = Multiaddr.fromTcp(InetSocketAddress.createUnresolved("node-0.topicmesh", 4001));
    assertThat(dns.toString()).isEqualTo("/dns/node-0.topicmesh/tcp/4001");
    assertThat(dns.toTcpSocketAddress()).isEmpty();
    assertThat(dns.dnsHost()).contains("node-0.topicmesh");
    assertThat(dns.tcpPort()).hasValue(4001);
    assertThat(Multiaddr.parse("/dns4/x.example/tcp/5").dnsHost()).contains("x.example");

    assertThat(Multiaddr.fromTcp(InetSocketAddress.createUnresolved("10.1.2.3", 7)).toString())
        .isEqualTo("/ip4/10.1.2.3/tcp/7");
    assertThat(Multiaddr.fromTcp(InetSocketAddress.createUnresolved("[fe80::1]", 7)).toString())
        .isEqualTo("/ip6/fe80::1/tcp/7");

    assertThat(Multiaddr.parse("/ip4/1.2.3.4").toTcpSocketAddress()).isEmpty();
    assertThat(Multiaddr.parse("/ip4/1.2.3.4").tcpPort()).isEmpty();
    assertThat(Multiaddr.parse("/tcp/1/ip4/1.2.3.4").toTcpSocketAddress()).isEmpty();
    assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/1/tcp/2").toTcpSocketAddress()).isEmpty();
  }

  @Test
  void componentsAreImmutableCopies() {
    Multiaddr addr = Multiaddr.parse("/ip4/1.2.3.4/tcp/80");
    List<Component> components = addr.components();
    assertThat(components).extracting(Component::protocol).containsExactly(Protocol.IP4, Protocol.TCP);
    assertThat(components.get(1).valueString()).isEqualTo("80");
    components.get(0).value()[0] = 9;
    assertThat(addr.toString()).isEqualTo("/ip4/1.2.3.4/tcp/80");
    assertThatThrownBy(() -> components.add(components.get(0)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(Multiaddr.of(components)).isEqualTo(addr);
    assertThat(new Component(Protocol.TCP, new byte[] {0, 80})).isEqualTo(components.get(1));
    assertThatThrownBy(() -> new Component(Protocol.IP4, new byte[3]))
        .isInstanceOf(InvalidMultiaddrException.class)
        .hasMessageContaining("ip4 value must be 4 bytes, got 3");
  }

  @Test
  void protocolTable() {
    assertThat(Protocol.fromCode(421)).isEqualTo(Protocol.P2P);
    assertThat(Protocol.fromText("ipfs")).isEqualTo(Protocol.P2P);
    assertThat(Protocol.IP6.code()).isEqualTo(41);
    assertThat(Protocol.DNS4.isVariableSize()).isTrue();
    assertThat(Protocol.TCP.fixedSize()).isEqualTo(2);
    assertThatThrownBy(() -> Protocol.fromCode(273)).hasMessageContaining("273");
    assertThatThrownBy(() -> Protocol.fromText("quic")).hasMessageContaining("'quic'");
  }
}
