package io.topicmesh.node.security.noise;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact Noise_XX_25519_ChaChaPoly_SHA256 against a vector produced by an independent
 * implementation (PyPI noiseprotocol 0.3.1, itself checked against the cacophony vectors):
 * src/test/resources/io/topicmesh/node/security/noise/gen_xx_vector.py regenerates it.
 */
class NoiseXxVectorTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] PROLOGUE = "topicmesh prologue".getBytes(US_ASCII);
  private static final String[] PAYLOADS = {
    "msg1 payload",
    "msg2 payload from responder",
    "",
    "transport i->r 0",
    "transport r->i 0",
    "transport i->r 1",
    "x".repeat(300)
  };
  private static final String HANDSHAKE_HASH =
      "e1b3aaffd11a1596d801c8ebdaf07b3f71deacb30016ff5599cfcdca30950c13";
  private static final String[] MESSAGES = {
    "358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd1662546d73673120706179"
            + "6c6f6164",
          "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f7e1866de56d6c9b8"
            + "05d589b5e65bd14858f21fba6e576ce64993fbf55eb004574addb7db063f97841b1348980a5f6963"
            + "1d40d20948c6d73dfe94064f2a5d96c514e34f8d9e669a0bb7df65aceaaaab53327a4ee00dce1249"
            + "9844d3",
          "1dc00df062a51249321a8f8349c312567dc00ed837b5fc3fa4c72162d39a497321a980d021f79c49"
            + "186d1e8942d4325bf8660b92517f3ab3c068bf6fc20b2016",
          "eac29d4c694f592f0a2f376408cafbc7e17b456d27695a211f281e69674314d2",
          "4fe3b33cd6076141c607b6d785305de536fa5fe1b1a464da53f440b8341a72af",
          "967b97e87ea6d976ec15686256d8accfcab320e41684465badac3a6eafbc1611",
          "ff5da5e64d87bdb18b2673c8beccdcfe112126780cf70f58d29e1a83ed96be41171231291e19f57e"
            + "91d7063f9ed11cd64c728949675cfebef07f6dd110152697e3f182af49dfc290c101bc2a0ef97bfd"
            + "a7b1fa8e37a847caa9395063b69e983f1a044f0364f1170c8ed90038a4981798d91a0636d154db01"
            + "7ed1c6fcba382e935f416f4f347977ea4dbb0f3f147c476ee25633a0b576ac4a7a95d7bd6ef66631"
            + "f4d20e725c59350828faba3692faaf9b1213df086f76893c068593a859987580dcea3a52cdbc54e3"
            + "a15c57b3c9b47c3e8a3c619b421511971369c47ee009ca045d3903d537dfa1e60fc9ff0d8d191087"
            + "ab6ac16f54884384c540e90d7cbef8381cf320d619f4a5b239434c64318572c98a7a5ce66578f69f"
            + "f102f259c53b45ccd6216a4e5ece1cacaa989f37ef30d517c6b0a756f8dd8406316443e4"
  };

  private static byte[] range(int from) {
    byte[] b = new byte[32];
    for (int i = 0; i < 32; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }

  private static XxHandshakeState initiator() {
    return new XxHandshakeState(
        true, PROLOGUE, X25519KeyPair.fromPrivate(range(0x00)), X25519KeyPair.fromPrivate(range(0x20)));
  }

  private static XxHandshakeState responder() {
    return new XxHandshakeState(
        false, PROLOGUE, X25519KeyPair.fromPrivate(range(0x40)), X25519KeyPair.fromPrivate(range(0x60)));
  }

  private static byte[] p(int k) {
    return PAYLOADS[k].getBytes(US_ASCII);
  }

  @Test
  void handshakeAndTransportMatchTheVectorByteForByte() throws Exception {
    XxHandshakeState i = initiator();
    XxHandshakeState r = responder();

    byte[] m0 = i.writeMessage(p(0));
    assertThat(HEX.formatHex(m0)).isEqualTo(MESSAGES[0]);
    assertThat(r.readMessage(m0)).isEqualTo(p(0));

    byte[] m1 = r.writeMessage(p(1));
    assertThat(HEX.formatHex(m1)).isEqualTo(MESSAGES[1]);
    assertThat(i.readMessage(m1)).isEqualTo(p(1));

    byte[] m2 = i.writeMessage(p(2));
    assertThat(HEX.formatHex(m2)).isEqualTo(MESSAGES[2]);
    assertThat(r.readMessage(m2)).isEqualTo(p(2));

    assertThat(i.isComplete()).isTrue();
    assertThat(r.isComplete()).isTrue();
    assertThat(HEX.formatHex(i.handshakeHash())).isEqualTo(HANDSHAKE_HASH);
    assertThat(r.handshakeHash()).isEqualTo(i.handshakeHash());
    assertThat(i.remoteStaticKey()).isEqualTo(r.localStaticKey());
    assertThat(r.remoteStaticKey()).isEqualTo(i.localStaticKey());

    CipherState[] ic = i.split();
    CipherState[] rc = r.split();
    byte[] t3 = ic[0].encryptWithAd(null, p(3));
    assertThat(HEX.formatHex(t3)).isEqualTo(MESSAGES[3]);
    assertThat(rc[1].decryptWithAd(null, t3)).isEqualTo(p(3));
    byte[] t4 = rc[0].encryptWithAd(null, p(4));
    assertThat(HEX.formatHex(t4)).isEqualTo(MESSAGES[4]);
    assertThat(ic[1].decryptWithAd(null, t4)).isEqualTo(p(4));
    byte[] t5 = ic[0].encryptWithAd(null, p(5));
    assertThat(HEX.formatHex(t5)).isEqualTo(MESSAGES[5]);
    assertThat(rc[1].decryptWithAd(null, t5)).isEqualTo(p(5));
    byte[] t6 = rc[0].encryptWithAd(null, p(6));
    assertThat(HEX.formatHex(t6)).isEqualTo(MESSAGES[6]);
    assertThat(ic[1].decryptWithAd(null, t6)).isEqualTo(p(6));
  }

  @Test
  void aFlippedBitInAnyEncryptedPartFailsAuthentication() throws Exception {
    byte[] m1 = HEX.parseHex(MESSAGES[1]);
    for (int pos : new int[] {40, 32 + 48 - 1, m1.length - 1}) {
      XxHandshakeState i = initiator();
      i.writeMessage(p(0));
      byte[] tampered = m1.clone();
      tampered[pos] ^= 1;
      assertThatThrownBy(() -> i.readMessage(tampered))
          .isInstanceOf(NoiseException.class)
          .extracting(e -> ((NoiseException) e).reason())
          .isEqualTo(Reason.BAD_MAC);
    }
  }

  @Test
  void truncatedHandshakeMessagesAreMalformed() throws Exception {
    XxHandshakeState r = responder();
    assertThatThrownBy(() -> r.readMessage(new byte[31]))
        .isInstanceOf(NoiseException.class)
        .extracting(e -> ((NoiseException) e).reason())
        .isEqualTo(Reason.MALFORMED_MESSAGE);
    XxHandshakeState i = initiator();
    i.writeMessage(p(0));
    assertThatThrownBy(() -> i.readMessage(new byte[32 + 48 + 15]))
        .isInstanceOf(NoiseException.class)
        .extracting(e -> ((NoiseException) e).reason())
        .isEqualTo(Reason.MALFORMED_MESSAGE);
  }

  @Test
  void lowOrderEphemeralIsRejected() throws Exception {
    XxHandshakeState i = initiator();
    i.writeMessage(p(0));
    // The all-zero point: every DH with it yields zeros.
    byte[] m1 = new byte[32 + 48 + 16];
    assertThatThrownBy(() -> i.readMessage(m1))
        .isInstanceOf(NoiseException.class)
        .extracting(e -> ((NoiseException) e).reason())
        .isEqualTo(Reason.INVALID_KEY);
  }

  @Test
  void outOfTurnUseIsAProgrammingError() {
    XxHandshakeState r = responder();
    assertThatThrownBy(() -> r.writeMessage(new byte[0])).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(r::split).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void exhaustedNonceEndsTheSession() throws Exception {
    CipherState c = new CipherState(new byte[32]);
    c.setNonce(-2L);
    c.encryptWithAd(null, new byte[1]);
    assertThatThrownBy(() -> c.encryptWithAd(null, new byte[1]))
        .isInstanceOf(NoiseException.class)
        .extracting(e -> ((NoiseException) e).reason())
        .isEqualTo(Reason.NONCE_EXHAUSTED);
  }
}
