package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.net.SignedPeerRecord;

/**
 * Signed peer records (the envelopes PRUNE peer exchange carries): parsed and verified, or refused
 * with {@link SignedPeerRecord.InvalidRecordException}; a record that passes is within its bounds.
 */
class SignedPeerRecordFuzzTest {
  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void envelope(byte[] input) {
    SignedPeerRecord r;
    try {
      r = SignedPeerRecord.parse(input);
    } catch (SignedPeerRecord.InvalidRecordException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(r.peer()).isNotNull();
    assertThat(r.addresses()).hasSizeLessThanOrEqualTo(SignedPeerRecord.MAX_ADDRESSES);
    for (Multiaddr a : r.addresses()) {
      assertThat(Multiaddr.fromBytes(a.bytes())).isEqualTo(a);
    }
  }
}
