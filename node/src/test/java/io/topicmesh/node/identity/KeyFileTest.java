package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
  @TempDir Path dir;

  @Test
  void createsOnceThenLoadsTheSameKey() throws Exception {
    Path path = dir.resolve("sub/identity.key");
    PrivKey created = KeyFile.loadOrCreate(path, KeyType.ED25519, new SecureRandom());
    assertThat(Files.readAllBytes(path)).containsExactly(created.bytes());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
        .isEqualTo("rw-------");

    PrivKey loaded = KeyFile.loadOrCreate(path, KeyType.RSA, new SecureRandom());
    assertThat(loaded).isEqualTo(created);
    assertThat(loaded.type()).isEqualTo(KeyType.ED25519);
    assertThat(KeyFile.load(path)).isEqualTo(created);
    try (Stream<Path> files = Files.list(path.getParent())) {
      assertThat(files).as("no temporary files left behind").containsExactly(path);
    }
  }

  @Test
  void saveReplacesAtomicallyAndReadsGoLibp2pCompatibleBytes() throws Exception {
    Path path = dir.resolve("key");
    PrivKey secp = PrivKey.unmarshal(KeysTest.privateVector(KeyType.SECP256K1));
    KeyFile.save(path, PrivKey.generate(KeyType.ED25519, new SecureRandom()));
    KeyFile.save(path, secp);
    assertThat(Files.readAllBytes(path)).containsExactly(KeysTest.privateVector(KeyType.SECP256K1));
    assertThat(KeyFile.load(path)).isEqualTo(secp);
  }

  @Test
  void corruptOrMissingFilesFailNamingThePath() throws Exception {
    Path path = dir.resolve("broken.key");
    Files.write(path, new byte[] {0x08, 0x01, 0x12, 0x05, 1, 2});
    assertThatThrownBy(() -> KeyFile.load(path))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining(path.toString());
    assertThatThrownBy(() -> KeyFile.loadOrCreate(path, KeyType.ED25519, new SecureRandom()))
        .isInstanceOf(InvalidKeyException.class);
    assertThat(Files.readAllBytes(path)).as("a corrupt key is never overwritten").hasSize(6);

    Files.write(path, new byte[KeyProto.MAX_ENCODED_BYTES + 1]);
    assertThatThrownBy(() -> KeyFile.load(path)).hasMessageContaining("more than any supported key");

    assertThatThrownBy(() -> KeyFile.load(dir.resolve("absent")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("does not exist");
  }
}
