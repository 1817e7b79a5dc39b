package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.multiaddr.InvalidMultiaddrException;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Multiaddrs in both forms (identify, PX records, peer lists, config): the binary form when the
 * first byte is even, the text form (UTF-8 of the rest) when odd. A parsed address converts to the
 * other form and back to itself; the only error is {@link InvalidMultiaddrException}.
 */
class MultiaddrFuzzTest {
  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void multiaddr(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    Multiaddr m;
    try {
      m = (input[0] & 1) == 0
          ? Multiaddr.fromBytes(rest)
          : Multiaddr.parse(new String(rest, StandardCharsets.UTF_8));
    } catch (InvalidMultiaddrException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(Multiaddr.fromBytes(m.bytes())).isEqualTo(m);
    assertThat(Multiaddr.parse(m.toString())).isEqualTo(m);
    m.peerId(); // decodes the /p2p component, if any
    m.tcpPort();
    m.dnsHost();
  }
}
