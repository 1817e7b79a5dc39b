package io.topicmesh.node.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.topicmesh.node.identity.PeerId;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class MultiaddrPropertiesTest {
  @Property(tries = 500)
  void textAndBinaryFormsRoundTrip(@ForAll("multiaddrs") Multiaddr addr) {
    Multiaddr viaText = Multiaddr.parse(addr.toString());
    Multiaddr viaBytes = Multiaddr.fromBytes(addr.bytes());
    assertThat(viaText).isEqualTo(addr);
    assertThat(viaBytes).isEqualTo(addr);
    assertThat(viaText.toString()).isEqualTo(addr.toString());
    assertThat(viaBytes.components()).isEqualTo(addr.components());
  }

  @Property(tries = 300)
  void ip6TextRoundTripsForAnyAddress(@ForAll @Size(16) byte[] address) {
    Component c = new Component(Protocol.IP6, address);
    String text = c.valueString();
    assertThat(Component.parse(Protocol.IP6, text)).isEqualTo(c);
    assertThat(text).doesNotContain(":::").isEqualTo(text.toLowerCase());
  }

  @Property(tries = 1000)
  void randomBytesAreEitherValidOrATypedError(@ForAll @Size(max = 64) byte[] bytes) {
    Throwable thrown = catchThrowable(() -> Multiaddr.fromBytes(bytes));
    if (thrown == null) {
      assertThat(Multiaddr.fromBytes(bytes).bytes()).containsExactly(bytes);
    } else {
      assertThat(thrown).isInstanceOf(InvalidMultiaddrException.class);
    }
  }

  @Property(tries = 500)
  void mutatedValidAddressesAreEitherValidOrATypedError(
      @ForAll("multiaddrs") Multiaddr addr,
      @ForAll @IntRange(min = 0, max = 200) int position,
      @ForAll byte value,
      @ForAll @IntRange(min = 0, max = 200) int cut) {
    byte[] bytes = addr.bytes();
    bytes[position % bytes.length] = value;
    byte[] truncated = java.util.Arrays.copyOf(bytes, Math.min(bytes.length, cut));
    for (byte[] candidate : List.of(bytes, truncated)) {
      Throwable thrown = catchThrowable(() -> Multiaddr.fromBytes(candidate));
      if (thrown != null) {
        assertThat(thrown).isInstanceOf(InvalidMultiaddrException.class);
      }
    }
    String text = addr.toString();
    String garbled = text.substring(0, Math.min(text.length(), cut)) + (char) (value & 0x7F);
    Throwable thrown = catchThrowable(() -> Multiaddr.parse(garbled));
    if (thrown != null) {
      assertThat(thrown).isInstanceOf(InvalidMultiaddrException.class);
    }
  }

  @Provide
  Arbitrary<Multiaddr> multiaddrs() {
    return component().list().ofMinSize(1).ofMaxSize(6).map(Multiaddr::of);
  }

  private Arbitrary<Component> component() {
    Arbitrary<Component> ip4 =
        Arbitraries.bytes().array(byte[].class).ofSize(4).map(b -> new Component(Protocol.IP4, b));
    Arbitrary<Component> ip6 = ip6Bytes().map(b -> new Component(Protocol.IP6, b));
    Arbitrary<Component> tcp =
        Arbitraries.integers()
            .between(0, 65535)
            .map(p -> new Component(Protocol.TCP, new byte[] {(byte) (p >>> 8), (byte) (int) p}));
    Arbitrary<Component> dns =
        Combinators.combine(
                Arbitraries.of(Protocol.DNS, Protocol.DNS4, Protocol.DNS6),
                Arbitraries.strings()
                    .withCharRange('a', 'z')
                    .withChars('.', '-', '0', '9', 'é', '日')
                    .ofMinLength(1)
                    .ofMaxLength(60))
            .as((p, name) -> Component.parse(p, name));
    Arbitrary<Component> p2p =
        Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(32).map(d -> concat(new byte[] {0x12, 0x20}, d)),
                Arbitraries.bytes()
                    .array(byte[].class)
                    .ofMinSize(0)
                    .ofMaxSize(42)
                    .map(d -> concat(new byte[] {0x00, (byte) d.length}, d)))
            .map(mh -> new Component(Protocol.P2P, PeerId.fromBytes(mh).bytes()));
    return Arbitraries.oneOf(ip4, ip6, tcp, dns, p2p);
  }

  private Arbitrary<byte[]> ip6Bytes() {
    // Mostly zero-heavy addresses so that "::" compression and IPv4-mapped forms get exercised.
    Arbitrary<Integer> group = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.just(0xffff), Arbitraries.integers().between(0, 0xffff));
    return group.list().ofSize(8).map(groups -> {
      byte[] out = new byte[16];
      for (int i = 0; i < 8; i++) {
        out[2 * i] = (byte) (groups.get(i) >>> 8);
        out[2 * i + 1] = (byte) (int) groups.get(i);
      }
      return out;
    });
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
