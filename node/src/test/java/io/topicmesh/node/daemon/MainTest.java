package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.pb.KeysProtos;
import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void versionIsNeverNull() {
    assertThat(Main.version()).isNotBlank();
  }

  @Test
  void generatedProtobufRoundTrips() throws Exception {
    var key = KeysProtos.PublicKey.newBuilder()
        .setType(KeysProtos.KeyType.Ed25519)
        .setData(com.google.protobuf.ByteString.copyFrom(new byte[32]))
        .build();
    assertThat(KeysProtos.PublicKey.parseFrom(key.toByteArray())).isEqualTo(key);
    assertThat(key.toByteArray()).startsWith(0x08, 0x01, 0x12, 0x20);
  }
}
