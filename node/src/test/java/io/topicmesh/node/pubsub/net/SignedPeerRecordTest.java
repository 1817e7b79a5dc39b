package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.util.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Signed peer records as carried in PX (RFC 0002 envelope, RFC 0003 record). */
class SignedPeerRecordTest {
  private final PrivKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom());
  private final PeerId id = PeerId.fromPublicKey(key.publicKey());
  private final List<Multiaddr> addrs = List.of(Multiaddr.parse("/ip4/127.0.0.7/tcp/4001"),
      Multiaddr.parse("/ip6/::1/tcp/4002"));

  static byte[] record(PeerId peer, List<Multiaddr> addrs) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeByteArray(1, peer.bytes());
    out.writeUInt64(2, 1_700_000_000_000L);
    for (Multiaddr a : addrs) {
      ByteArrayOutputStream ai = new ByteArrayOutputStream();
      CodedOutputStream aio = CodedOutputStream.newInstance(ai);
      aio.writeByteArray(1, a.bytes());
      aio.flush();
      out.writeByteArray(3, ai.toByteArray());
    }
    out.flush();
    return bytes.toByteArray();
  }

  static byte[] envelope(PrivKey signer, byte[] keyBytes, byte[] payloadType, byte[] payload, String domain)
      throws IOException {
    ByteArrayOutputStream signed = new ByteArrayOutputStream();
    for (byte[] part : List.of(domain.getBytes(), payloadType, payload)) {
      signed.writeBytes(Varint.encode(part.length));
      signed.writeBytes(part);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeByteArray(1, keyBytes);
    out.writeByteArray(2, payloadType);
    out.writeByteArray(3, payload);
    out.writeByteArray(5, signer.sign(signed.toByteArray()));
    out.flush();
    return bytes.toByteArray();
  }

  private byte[] valid() throws IOException {
    return envelope(key, key.publicKey().bytes(), new byte[] {3, 1}, record(id, addrs), "libp2p-peer-record");
  }

  @Test
  void aValidRecordGivesThePeerAndItsAddresses() throws Exception {
    SignedPeerRecord r = SignedPeerRecord.parse(valid());
    assertThat(r.peer()).isEqualTo(id);
    assertThat(r.addresses()).containsExactlyElementsOf(addrs);
  }

  @Test
  void aFlippedBitAnywhereIsRefused() throws Exception {
    byte[] good = valid();
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x01;
      try {
        SignedPeerRecord r = SignedPeerRecord.parse(bad);
        // a flip inside an address may still decode; then the signature must have failed
        throw new AssertionError("byte " + i + " flipped still parsed: " + r);
      } catch (SignedPeerRecord.InvalidRecordException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }

  @Test
  void wrongDomainWrongTypeOrSomeoneElsesRecordAreRefused() throws Exception {
    assertThatThrownBy(() -> SignedPeerRecord.parse(envelope(key, key.publicKey().bytes(), new byte[] {3, 1},
        record(id, addrs), "libp2p-routing-state")))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class).hasMessageContaining("signature");
    assertThatThrownBy(() -> SignedPeerRecord.parse(envelope(key, key.publicKey().bytes(), new byte[] {3, 2},
        record(id, addrs), "libp2p-peer-record")))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class).hasMessageContaining("not a peer record");
    PeerId other = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey());
    assertThatThrownBy(() -> SignedPeerRecord.parse(envelope(key, key.publicKey().bytes(), new byte[] {3, 1},
        record(other, addrs), "libp2p-peer-record")))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class).hasMessageContaining("does not match");
  }

  @Test
  void oversizedAndGarbageEnvelopesAreRefused() {
    assertThatThrownBy(() -> SignedPeerRecord.parse(new byte[SignedPeerRecord.MAX_BYTES + 1]))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class).hasMessageContaining("exceeds");
    assertThatThrownBy(() -> SignedPeerRecord.parse(new byte[] {(byte) 0x0a, (byte) 0xff}))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class);
    assertThatThrownBy(() -> SignedPeerRecord.parse(ByteString.EMPTY.toByteArray()))
        .isInstanceOf(SignedPeerRecord.InvalidRecordException.class).hasMessageContaining("lacks");
  }
}
